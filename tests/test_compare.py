"""Side by side on the real plans, and the command line of compare, review, precedents, indicators and reuse."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import lru_cache

import openpyxl
import pytest
from docx import Document

import config
from search.compare import Comparer
from search.coverage import theme_terms
from search.query import QueryError
from tests.test_index_support import built_index, engine

WAGE_WORDS = ("欠薪", "拖欠", "工资支付", "农民工工资")


@lru_cache(maxsize=1)
def comparer() -> Comparer:
    return Comparer(engine())


def test_compare_wage_arrears_all_plans_match_with_a_wage_measure_on_top():
    cmp = comparer().compare("根治欠薪")
    assert [c.plan_id for c in cmp.plans] == ["fujian", "xiamen", "jinjiang", "hainan", "ezhou"]
    for col in cmp.plans:
        assert col.status == "match", col.plan_id
        top = col.hits[0]
        assert top.kind in ("measure", "column"), (col.plan_id, top.text[:40])
        assert any(w in top.text for w in WAGE_WORDS), (col.plan_id, top.text[:60])
        assert len(col.hits) == 3


def test_a_comparison_scoped_to_a_province_holds_it_and_the_plans_below_it_unchanged():
    c = comparer()
    assert c.roots() == ["fujian", "hainan", "ezhou"]
    assert c.family(["fujian"]) == ["fujian", "xiamen", "jinjiang"] and c.family(["xiamen"]) == ["xiamen"]
    full = {col.plan_id: col.to_dict() for col in c.compare("社保卡一卡通").plans}
    scoped = c.compare("社保卡一卡通", plans=c.family(["fujian"])).plans
    assert [col.plan_id for col in scoped] == ["fujian", "xiamen", "jinjiang"]
    assert all(col.to_dict() == full[col.plan_id] for col in scoped)


def test_compare_a_theme_only_one_plan_has():
    statuses = {c.plan_id: c.status for c in comparer().compare("金砖国家").plans}
    assert statuses["xiamen"] == "match"
    assert all(s != "match" for pid, s in statuses.items() if pid != "xiamen")


def test_compare_card_theme_finds_plans_that_write_shebao_ka_in_full():
    cmp = comparer().compare("社保卡一卡通")
    for col in cmp.plans:
        assert col.status == "match"
        assert any(("社会保障卡" in h.text or "社保卡" in h.text or "一卡通" in h.text) for h in col.hits)


def test_unknown_words_must_occur_whole_in_a_match():
    # 援疆 is unknown to the dictionary: its characters are rejoined, not dropped
    assert [t.word for t in theme_terms("对口援疆")] == ["对口", "援疆"]
    assert all(c.status != "match" for c in comparer().compare("对口援疆").plans)


def test_compare_empty_theme_is_a_clear_error():
    with pytest.raises(QueryError):
        comparer().compare("   ")


def _cli(*args):
    index_dir, cache_dir = built_index()
    env = dict(os.environ, RENSHE_INDEX_DIR=str(index_dir), RENSHE_EMBED_CACHE=str(cache_dir))
    return subprocess.run([sys.executable, "-m", "search", *args], cwd=config.ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def test_cli_compare_json_batch_and_export(tmp_path):
    out = _cli("compare", "根治欠薪", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["query"] == "根治欠薪"
    assert [p["plan_id"] for p in data["plans"]] == ["fujian", "xiamen", "jinjiang", "hainan", "ezhou"]
    assert set(data["plans"][0]) >= {"plan_id", "plan_title", "level", "parent", "status", "hits"}
    out = _cli("compare", "根治欠薪", "--json", "--scope", "fujian")
    assert [p["plan_id"] for p in json.loads(out.stdout)["plans"]] == ["fujian", "xiamen", "jinjiang"]
    out = _cli("compare", "根治欠薪", "--scope", "taiwan")
    assert out.returncode == 2 and "unknown plan id" in out.stderr and "Traceback" not in out.stderr
    batch = tmp_path / "themes.txt"
    batch.write_text("根治欠薪\n技工院校\n", encoding="utf-8")
    xlsx = tmp_path / "cmp.xlsx"
    out = _cli("compare", "--batch", str(batch), "--export", str(xlsx))
    assert [r["query"] for r in json.loads(out.stdout)] == ["根治欠薪", "技工院校"]
    sheet = openpyxl.load_workbook(xlsx).worksheets[0]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][:4] == ["主题", "地区", "级别", "状态"] and {"规划", "行号"} <= set(values[0])
    assert any("福建省" in str(v[1]) and v[3] == "有相关措施" for v in values[1:])


def test_cli_review_json_export_and_errors(tmp_path):
    out = _cli("review", "--plan", "xiamen", "--json")
    data = json.loads(out.stdout)
    assert data["plan"] == "xiamen" and data["against"] == "fujian"
    assert set(data) == {"plan", "against", "measures", "indicators", "local"}
    docx_path = tmp_path / "review.docx"
    assert _cli("review", "--plan", "jinjiang", "--export", str(docx_path)).returncode == 0
    text = "\n".join(c.text for t in Document(docx_path).tables for row in t.rows for c in row.cells)
    assert "城镇登记失业率" in text and "晋江" in text or "福建" in text
    for args in (("review", "--plan", "ezhou"), ("review", "--plan", "nope"),
                 ("precedents", "--text", "  "), ("compare", "  "),
                 ("reuse", "--plan", "xiamen", "--against", "nope")):
        res = _cli(*args)
        assert res.returncode == 2 and res.stderr.startswith("error:") and "Traceback" not in res.stderr, args


def test_cli_indicators_and_reuse():
    groups = json.loads(_cli("indicators", "--json").stdout)
    reg = next(g for g in groups if g["key"] == "城镇登记失业率")
    assert {"fujian", "xiamen"} <= set(reg["by_plan"])
    pairs = json.loads(_cli("reuse", "--plan", "xiamen", "--against", "fujian", "--json").stdout)["pairs"]
    assert any("实名制管理、工资专户管理" in p["a"]["text"] for p in pairs)
