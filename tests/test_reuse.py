"""Text reuse between plans, on the real Fujian and Xiamen plans."""
import time

from search.align import shared_spans
from search.highlight import mark_spans
from search.reuse import find_reuse

PHRASE = "实名制管理、工资专户管理"


def test_fujian_wording_reused_in_xiamen(plans):
    start = time.perf_counter()
    results = find_reuse(plans["fujian"], plans["xiamen"], top=None)
    assert time.perf_counter() - start < 2.0
    hits = [r for r in results if any(PHRASE in s for s in r["spans"])]
    assert hits
    hit = hits[0]
    assert hit["share"] > 0
    assert hit["a"]["plan_id"] == "fujian" and hit["b"]["plan_id"] == "xiamen"
    for side in ("a", "b"):
        cite = hit[side]
        assert PHRASE in cite["text"]
        assert cite["line_start"] <= cite["line_end"]
        assert cite["heading_path"]
    assert f"{PHRASE}" in hit["a_html"] and "<mark>" in hit["a_html"] and "<mark>" in hit["b_html"]


def test_results_sorted_by_share(plans):
    results = find_reuse(plans["fujian"], plans["jinjiang"], top=None)
    shares = [r["share"] for r in results]
    assert results and shares == sorted(shares, reverse=True)
    assert all(0 < s <= 1 for s in shares)


def test_shared_spans_respect_minimum_length():
    a = "加强欠薪源头治理，落实实名制管理、工资专户管理等制度。另有短句甲乙。"
    b = "全面落实实名制管理、工资专户管理等制度，短句甲乙"
    spans = shared_spans(a, b, min_span=8)
    texts = [a[s:s + n] for s, _, n in spans]
    assert any(PHRASE in t for t in texts)
    assert all(n >= 8 for _, _, n in spans)
    assert not any("甲乙" in t for t in texts)


def test_mark_spans_escapes_html():
    text = "<b>实名制管理</b> & 其他"
    marked = mark_spans(text, [(3, 8)])
    assert marked == "&lt;b&gt;<mark>实名制管理</mark>&lt;/b&gt; &amp; 其他"
