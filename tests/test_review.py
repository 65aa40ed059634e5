"""Consistency review of a city plan against its provincial plan, action by action, on the real plans."""
from __future__ import annotations

from functools import lru_cache

import pytest

import config
from corpus.loader import load_corpus
from search.query import QueryError
from search.review import review
from tests.test_index_support import engine


@lru_cache(maxsize=1)
def plans_by_id():
    return {p.id: p for p in load_corpus()}


@lru_cache(maxsize=2)
def reviewed(plan_id: str):
    return review(engine(), plans_by_id(), plan_id)


def test_review_xiamen_against_fujian():
    result = reviewed("xiamen")
    assert result.against == "fujian"
    statuses = {m["status"] for m in result.measures}
    assert statuses <= {"covered", "partial", "missing"} and "covered" in statuses
    rows = {r["parent_name"]: r for r in result.indicators}
    reg = rows["城镇登记失业率"]
    assert (reg["parent_target"], reg["child_target"], reg["verdict"]) == ("<5", "<5", "consistent")
    assert rows["城镇调查失业率"]["verdict"] == "missing"
    assert result.local and all(h.plan_id == "xiamen" for h in result.local)
    # the wage-arrears measure of the province is found in the city plan, with marked shared wording
    wage = next(m for m in result.measures if "工资专户管理" in m["parent_text"])
    assert wage["status"] != "missing"
    ev = wage["evidence"]
    assert ev["plan_id"] == "xiamen" and "工资专户" in ev["text"] and "<mark>" in ev["marked"]
    assert any("工资专户" in s for s in ev["shared"])


def test_every_verdict_says_which_actions_are_carried():
    result = reviewed("jinjiang")
    for m in result.measures:
        assert m["actions"], m["parent_chunk_id"]
        carried = [a for a in m["actions"] if a["carried"]]
        weights = [max(1, len(a["text"])) for a in m["actions"]]
        mean = sum(w * a["score"] for w, a in zip(weights, m["actions"])) / sum(weights)
        assert m["mean_action"] == pytest.approx(mean, abs=1e-4)
        if m["status"] == "missing":                 # only when the actions on the whole find nothing near
            assert not carried and mean < config.REVIEW_MISSING_BELOW
        elif not carried:                            # near but not carried: left to the reviewer
            assert m["status"] == "partial" and "人工核对" in m["reason"]
        assert all(a["score"] >= config.ALIGN_SAME_ACTION for a in carried)
        assert set(m["carried"]) | set(m["not_carried"]) == {a["text"] for a in m["actions"]}
        for a in m["actions"]:                       # each action is a clause of the measure as written
            assert m["parent_text"][a["start"]:a["end"]] == a["text"]
        assert m["reason"]


def test_covered_measure_cites_the_city_passage_and_missing_one_the_closest():
    result = reviewed("jinjiang")
    covered = [m for m in result.measures if m["status"] == "covered"]
    missing = [m for m in result.measures if m["status"] == "missing"]
    assert covered and missing
    for m in covered:
        ev = m["evidence"]
        assert ev["plan_id"] == "jinjiang" and ev["line_start"] <= ev["line_end"] and ev["heading_path"]
    for m in missing:
        assert m["evidence"] and "最相近" in m["reason"] and "低于认定阈值" in m["reason"]


def test_chapter_lead_paragraphs_are_reviewed():
    parent_lines = {m["parent_line_start"] for m in reviewed("jinjiang").measures}
    lead = next(c for c in plans_by_id()["fujian"].chunks
                if c.kind == "text" and c.heading_path == ["第二章 推动实现更加充分更高质量就业"])
    assert lead.line_start in parent_lines
    # the 十三五 review and the guiding principles of 第一章 are no measures
    assert not any(m["parent_heading_path"][:1] == ["第一章 指导思想和主要目标"] for m in reviewed("jinjiang").measures)


def test_review_plan_without_parent_names_the_missing_parent():
    with pytest.raises(QueryError, match="湖北省"):
        review(engine(), plans_by_id(), "ezhou")
    with pytest.raises(QueryError):
        review(engine(), plans_by_id(), "nowhere")
    with pytest.raises(QueryError):
        review(engine(), plans_by_id(), "xiamen", "xiamen")


def test_a_county_plan_without_its_social_security_chapter_no_longer_covers_the_provinces_measures(tmp_path):
    # the same county text with its social-security chapter blanked (line numbers kept), indexed beside the five
    import dataclasses
    from corpus.parser import parse_plan
    from index.build import build_index
    from search.engine import SearchEngine
    from tests.test_index_support import built_index
    plans = load_corpus()
    county = plans_by_id()["jinjiang"]
    chapter = next(c for c in county.chapters if "社会保障" in c.title)
    end = min(c.line for c in county.chapters if c.line > chapter.line)
    lines = (config.PLANS_DIR / "jinjiang.txt").read_text(encoding="utf-8").split("\n")
    text = "\n".join("" if chapter.line <= n < end else s for n, s in enumerate(lines, 1))
    cut = parse_plan(dataclasses.replace(county.info, id="jinjiang-cut", file="jinjiang-cut.txt"), text)
    build_index(plans + [cut], tmp_path / "index", built_index()[1], log=lambda m: None)
    eng = SearchEngine.load(tmp_path / "index", built_index()[1])
    by_id = {p.id: p for p in plans + [cut]}
    whole, gutted = (review(eng, by_id, pid, "fujian").measures for pid in ("jinjiang", "jinjiang-cut"))
    insurance = lambda m: m["parent_heading_path"][0].startswith("第三章")   # 健全多层次社会保障体系
    covered = lambda ms: sum(m["status"] == "covered" for m in ms if insurance(m))
    assert covered(whole) >= 6 and covered(gutted) <= covered(whole) // 2
    assert not any(m["evidence"] and chapter.line <= m["evidence"]["line_start"] < end for m in gutted)
    # the other chapters' verdicts stand
    same = [a["status"] == b["status"] for a, b in zip(whole, gutted) if not insurance(a)]
    assert sum(same) >= 0.9 * len(same)
