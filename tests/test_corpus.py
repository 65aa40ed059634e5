"""The parser reads the five real plans exactly as they are structured."""
import json
import subprocess
import sys

import pytest

import config
from corpus.lines import TOC_ENTRY, read_lines

OUTLINE = {
    "xiamen": [2, 3, 6, 4, 7, 3, 4, 4],
    "jinjiang": [2, 3, 5, 4, 5, 3, 3, 3, 3, 5],
    "fujian": [3, 5, 4, 6, 4, 4, 4, 4, 5, 6],
    "hainan": [3, 6, 6],
    "ezhou": [2, 3, 5, 7, 5, 6, 2, 4, 3, 6],
}
INDICATORS_14TH = {"xiamen": 21, "jinjiang": 18, "fujian": 20, "hainan": 27, "ezhou": 16}


def _chunk_at(plan, line):
    return next(c for c in plan.chunks if c.line_start <= line <= c.line_end)


def _indicator(plan, name, period="14th"):
    return next(i for i in plan.indicators if i.period == period and i.name == name)


@pytest.mark.parametrize("plan_id", OUTLINE)
def test_outline_matches_the_documents(plans, plan_id):
    assert [len(c.sections) for c in plans[plan_id].chapters] == OUTLINE[plan_id]


def test_table_rows_are_not_chapters(plans):
    titles = [c.title for p in plans.values() for c in p.chapters]
    assert "一、就业" not in titles and not any("\t" in t for t in titles)


@pytest.mark.parametrize("plan_id", INDICATORS_14TH)
def test_fourteenth_plan_indicator_rows(plans, plan_id):
    rows = [i for i in plans[plan_id].indicators if i.period == "14th"]
    assert len(rows) == INDICATORS_14TH[plan_id]
    assert all(i.attribute in ("预期性", "约束性") for i in rows)


def test_indicator_values_as_written_and_parsed(plans):
    f = _indicator(plans["fujian"], "城镇调查失业率")
    assert (f.target, f.target_value, f.target_comparator, f.unit) == ("<5.5", 5.5, "<", "%")
    f = _indicator(plans["fujian"], "基本养老保险参保率")
    assert (f.base, f.target, f.target_comparator, f.target_value) == ("95.53", "95 以上", "≥", 95.0)
    assert _indicator(plans["fujian"], "城镇新增就业人数").cumulative
    assert _indicator(plans["fujian"], "失业保险参保人数").attribute == "约束性"

    x = _indicator(plans["xiamen"], "城镇登记失业率")
    assert (x.base, x.target, x.target_comparator, x.category) == ("3.84", "<5", "<", "就业促进")
    assert _indicator(plans["xiamen"], "城镇新增就业人数").target == "65/五年"
    assert _indicator(plans["xiamen"], "劳动人事争议调解成功率").target == "60以上"

    j = _indicator(plans["jinjiang"], "社会保障卡持卡人数")
    assert (j.base, j.target, j.unit) == ("140.33", "150.33", "万人")
    assert _indicator(plans["jinjiang"], "城镇新增就业人数").target == "[10.9]"

    h = _indicator(plans["hainan"], "城镇调查失业率")
    assert (h.base, h.target, h.target_comparator) == ("5.3", "<5.5", "<")
    assert _indicator(plans["hainan"], "人社政务服务好评率").target_value == 95.0

    e = _indicator(plans["ezhou"], "其中：农民工参加职业培训人次")
    assert (e.target, e.target_value, e.cumulative) == ("〔 0.6 〕", 0.6, True)
    e = _indicator(plans["ezhou"], "城镇登记失业率")
    assert (e.base, e.target, e.target_comparator, e.target_value) == ("＜5.5", "＜4", "<", 4.0)


def test_thirteenth_plan_results_are_read(plans):
    x = _indicator(plans["xiamen"], "城镇登记失业率", period="13th")
    assert (x.base, x.target) == ("3.22", "3.84")
    assert len([i for i in plans["xiamen"].indicators if i.period == "13th"]) == 22


def test_page_breaks_are_rejoined(plans):
    c = _chunk_at(plans["fujian"], 73)
    assert (c.line_start, c.line_end) == (73, 75)
    assert "实施人社精准扶贫，积极应对新冠肺炎疫情" in c.text
    c = _chunk_at(plans["jinjiang"], 84)
    assert (c.line_start, c.line_end) == (84, 86)
    assert "深入推进全民参保计划" in c.text


def test_no_bookmark_tags_or_toc_lines_in_chunks(plans):
    for p in plans.values():
        for c in p.chunks:
            assert "[bookmark" not in c.text
            assert not any(TOC_ENTRY.search(line) for line in c.text.split("\n")), c.text[:80]
            assert "**" not in c.text


@pytest.mark.parametrize("plan_id", OUTLINE)
def test_every_body_line_is_in_exactly_one_chunk(plans, plan_id):
    plan = plans[plan_id]
    lines = read_lines((config.PLANS_DIR / plan.info.file).read_text(encoding="utf-8"))
    owner = {}
    for c in plan.chunks:
        if c.kind == "indicator":
            continue
        for n in range(c.line_start, c.line_end + 1):
            assert n not in owner, f"line {n} in two chunks"
            owner[n] = c
    indicator_lines = {n for c in plan.chunks if c.kind == "indicator"
                       for n in range(c.line_start, c.line_end + 1)}
    headings = {c.line for c in plan.chapters} | {s.line for c in plan.chapters for s in c.sections}
    box_titles = {c.heading_path[-1] for c in plan.chunks if c.kind == "column"}
    headings |= {ln.number for ln in lines if ln.text in box_titles}
    in_toc = False
    for ln in lines:
        if ln.text.replace(" ", "") == "目录":
            in_toc = True
        elif in_toc and not (ln.blank or TOC_ENTRY.search(ln.raw)):
            in_toc = False
        if ln.blank or in_toc or ln.number in headings or ln.text.replace(" ", "") == "前言":
            continue
        if ln.number in indicator_lines:
            continue
        assert ln.number in owner, f"{plan_id}:{ln.number} lost: {ln.text[:40]}"
        assert ln.text[:8] in owner[ln.number].text, f"{plan_id}:{ln.number} not in its chunk"


def test_columns_are_chunks_with_box_title(plans):
    cols = [c for c in plans["fujian"].chunks if c.kind == "column"]
    card = next(c for c in cols if "一卡通" in c.lead)
    assert card.heading_path[-1].startswith("专栏 7")
    assert {c.plan_id for p in plans.values() for c in p.chunks if c.kind == "column"} == {"fujian", "hainan", "ezhou"}
    # hainan's box 3 ends where the running text resumes with item 6
    h = _chunk_at(plans["hainan"], 314)
    assert h.kind == "measure" and h.lead == "建设开放有序的人力资源市场"


def test_chunk_fields_kinds_and_phases(plans):
    x = plans["xiamen"]
    c = _chunk_at(x, 392)
    assert (c.kind, c.phase, c.lead) == ("measure", "plan", "完善创业激励机制")
    assert c.heading_path == ["三、加强就业促进行动，推动更加充分更高质量就业", "（二）推动大众创新创业"]
    assert _chunk_at(x, 5).phase == "review"
    assert _chunk_at(x, 470).phase == "plan"
    assert _chunk_at(plans["fujian"], 77).lead == "稳定和扩大就业成效明显"
    kinds = {c.kind for p in plans.values() for c in p.chunks}
    assert kinds == {"measure", "column", "indicator", "text"}


def test_chunk_ids_are_unique_and_stable(plans):
    from corpus.loader import load_corpus
    ids = [c.chunk_id for p in plans.values() for c in p.chunks]
    assert len(ids) == len(set(ids))
    again = [c.chunk_id for p in load_corpus() for c in p.chunks]
    assert again == ids


def test_cached_parses_equal_fresh_ones_and_follow_edits(tmp_path):
    """A build parses a plan once: the saved parse is what the parser gives, a damaged entry is
    parsed again, and an edited plan file is never served its old parse."""
    import shutil
    from corpus.loader import load_corpus
    from corpus.manifest import read_manifest
    from corpus.parser import parse_plan
    corpus, cache = tmp_path / "corpus", tmp_path / "parsed"
    shutil.copytree(config.CORPUS_DIR / "plans", corpus / "plans")
    shutil.copy2(config.MANIFEST_PATH, corpus / "plans.toml")
    fresh = [parse_plan(i, (corpus / "plans" / i.file).read_text(encoding="utf-8"))
             for i in read_manifest(corpus / "plans.toml")]
    assert load_corpus(corpus, cache) == fresh
    entries = sorted(cache.glob("*.json"))
    assert len(entries) == len(fresh)
    assert load_corpus(corpus, cache) == fresh                       # served from the saved parses
    entries[0].write_text('{"info": {', encoding="utf-8")            # a damaged entry
    assert load_corpus(corpus, cache) == fresh
    xiamen = corpus / "plans" / next(i.file for i in read_manifest(corpus / "plans.toml") if i.id == "xiamen")
    xiamen.chmod(0o644)
    xiamen.write_text(xiamen.read_text(encoding="utf-8").replace("欠薪", "拖欠工资"), encoding="utf-8")
    edited = {p.id: p for p in load_corpus(corpus, cache)}["xiamen"]
    assert any("拖欠工资" in c.text for c in edited.chunks)
    assert not any("欠薪" in c.text for c in edited.chunks)


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "corpus", *args], capture_output=True, text=True,
                          cwd=config.ROOT, timeout=120)


def test_cli_outline_chunks_indicators_json():
    out = json.loads(_cli("outline", "--json").stdout)
    assert [p["plan_id"] for p in out] == ["fujian", "xiamen", "jinjiang", "hainan", "ezhou"]
    xiamen = out[1]
    assert xiamen["parent"] == "fujian" and len(xiamen["chapters"]) == 8
    assert set(xiamen["chapters"][0]["sections"][0]) == {"title"}
    chunks = json.loads(_cli("chunks", "--json").stdout)
    assert set(chunks[0]) >= {"chunk_id", "plan_id", "kind", "phase", "heading_path", "lead", "text",
                              "line_start", "line_end"}
    rows = json.loads(_cli("indicators", "--json").stdout)
    assert sum(r["period"] == "14th" for r in rows) == sum(INDICATORS_14TH.values())
