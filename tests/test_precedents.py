"""Precedents for drafts of any length, on the real plans."""
from __future__ import annotations

import pytest

from search.precedents import find_precedents, split_paragraphs
from search.query import QueryError
from tests.test_index_support import engine

WAGE = "在工程建设领域推行实名制管理、工资专户管理，建立欠薪预警机制。"
# 晋江 line 239, which carries the entrepreneurship measure of 福建 (line 200 of the province's plan)
COUNTY = ("设立大学生、退役军人创业园，加大创业驿站投入，为创业团队提供免费一站式初创综合服务。"
          "完善并落实创业担保贷款贴息、创业带动就业补贴、创业孵化基地奖补等扶持政策。")


def test_precedents_mark_shared_wording_cite_and_list_covered_clauses():
    [para] = find_precedents(engine(), WAGE, top=5)
    found = para.precedents
    assert found and all(p.hit.line_start > 0 and p.hit.plan_title for p in found)
    best = max(found, key=lambda p: p.shared_share)
    assert "实名制管理、工资专户管理" in "".join(best.shared)
    assert "<mark>" in best.marked
    assert best.covers and set(best.covers) <= set(para.clauses)


def test_county_paragraph_finds_the_provincial_measure_first_with_what_it_adds():
    [para] = find_precedents(engine(), COUNTY, top=3, plans=["fujian"])
    first = para.precedents[0]
    assert first.hit.plan_id == "fujian" and first.hit.line_start <= 200 <= first.hit.line_end
    assert first.adds and all(a in first.hit.text for a in first.adds)   # its clauses the draft lacks
    assert not set(first.adds) & set(first.covers)


def test_results_grouped_by_plan_province_first():
    [para] = find_precedents(engine(), WAGE, top=12)
    groups = para.groups()
    levels = [ps[0].hit.level for _, ps in groups]
    assert len(groups) >= 3 and levels[0] == "province"
    order = ["province", "sub-provincial city", "prefecture-level city", "county-level city"]
    assert [order.index(lv) for lv in levels] == sorted(order.index(lv) for lv in levels)
    assert sum(len(ps) for _, ps in groups) == len(para.precedents)


def test_a_whole_section_gives_results_per_paragraph():
    section = ("第二节 促进创业带动就业\n"
               "1. 设立大学生、退役军人创业园，加大创业驿站投入，为创业团\n"
               "队提供免费一站式初创综合服务。\n\n"
               "2. 在工程建设领域推行实名制管理、工资专户管理，建立欠薪预警机制。")
    paras = split_paragraphs(section)
    assert paras == ["设立大学生、退役军人创业园，加大创业驿站投入，为创业团队提供免费一站式初创综合服务。",
                     "在工程建设领域推行实名制管理、工资专户管理，建立欠薪预警机制。"]
    # the same text pasted without line breaks or headings splits at its numbering
    flat = "1. 设立大学生创业园，加大创业驿站投入。2. 推行实名制管理、工资专户管理，建立欠薪预警机制。"
    assert len(split_paragraphs(flat)) == 2
    results = find_precedents(engine(), section, top=3)
    assert len(results) == 2
    assert any("工资专户" in p.hit.text for p in results[1].precedents)
    assert any("创业" in p.hit.text for p in results[0].precedents)


def test_precedents_escape_html_and_refuse_bad_input():
    [para] = find_precedents(engine(), "<script>alert(1)</script> 社保卡一卡通", top=3)
    assert all("<script>" not in p.marked for p in para.precedents)
    for bad in (" \n ", "……。。", None):
        with pytest.raises(QueryError):
            find_precedents(engine(), bad)
    with pytest.raises(QueryError, match="未知规划"):
        find_precedents(engine(), WAGE, plans=["nowhere"])
