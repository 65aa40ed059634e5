"""End to end: `streamlit run app.py` in a real headless Chromium (Debian's /usr/bin/chromium).

Screenshots of every page are written to tests/artifacts/ (git-ignored), together with
timings.json (server start → first page interactive, query → results rendered).
"""
from __future__ import annotations

import json
import re
import time

import openpyxl
import pytest
from playwright.sync_api import expect

from pathlib import Path

from tests.e2e.conftest import idle as _idle, open_page as _open

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"

PLAN_NAMES = ["福建省", "福建省厦门市", "福建省泉州市晋江市", "海南省", "湖北省鄂州市"]
STATUS_LABELS = ("有相关措施", "仅有提及", "未涉及")
TIMINGS: dict[str, float] = {}


def _record(name: str, seconds: float) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    TIMINGS[name] = round(seconds, 2)
    (ARTIFACTS / "timings.json").write_text(json.dumps(TIMINGS, ensure_ascii=False, indent=1),
                                            encoding="utf-8")


def _submit(page, label: str, text: str) -> float:
    """Type text into the input labelled `label` and press Enter; returns the start time."""
    box = page.locator(f'input[aria-label="{label}"]')
    box.fill(text)
    t0 = time.perf_counter()
    box.press("Enter")
    return t0


def _shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture(scope="module", autouse=True)
def _first_page_interactive(browser, server):
    """Startup: server process start → first page (检索) ready for input in the browser."""
    base, started, health = server
    _record("server_start_to_health_s", health)
    context = browser.new_context()
    pg = context.new_page()
    pg.goto(base)
    pg.locator('input[aria-label="检索词"]').wait_for(state="visible", timeout=90_000)
    pg.get_by_text("请输入检索词").wait_for(timeout=90_000)
    _record("startup_to_interactive_s", time.perf_counter() - started)
    context.close()


def test_compare_gensi_qianxin_with_excel_export(page, server, tmp_path):
    base = server[0]
    _open(page, base, "compare", 'input[aria-label="政策主题"]')
    t0 = _submit(page, "政策主题", "根治欠薪")
    page.locator(".rs-text").first.wait_for(state="visible")
    # the last plan's column header (its name is also a chip of the 对照范围 selector)
    page.locator('[data-testid="stColumn"]').get_by_text("湖北省鄂州市", exact=True).wait_for()
    _idle(page)
    _record("compare_query_to_render_s", time.perf_counter() - t0)
    chips = page.locator('[data-testid="stMultiSelect"]').inner_text()
    assert all(name in chips for name in ("福建省", "海南省", "湖北省鄂州市"))   # the scope: every root plan

    # five columns in hierarchy order, each with a status badge
    columns = page.locator('[data-testid="stColumn"]:has(.rs-badge)')
    texts = [t for t in columns.all_inner_texts() if any(s in t for s in STATUS_LABELS)]
    assert len(texts) == 5, texts
    for name, text in zip(PLAN_NAMES, texts):
        assert text.startswith(name), (name, text[:40])
        assert any(s in text for s in STATUS_LABELS)
    measures = page.locator(".rs-text").all_inner_texts()
    assert any("欠薪" in m or "工资" in m for m in measures)
    assert page.locator(".rs-text mark").count() > 0            # matched terms highlighted
    _shot(page, "compare")

    with page.expect_download() as info:
        page.get_by_role("button", name=re.compile("导出 Excel")).click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    ws = openpyxl.load_workbook(path).active
    rows = list(ws.iter_rows(values_only=True))
    header = rows[0]
    assert {"地区", "状态", "内容", "规划", "章", "节", "行号"} <= set(header)
    body = [dict(zip(header, r)) for r in rows[1:]]
    assert [r["地区"] for r in body if r["地区"]] and \
        list(dict.fromkeys(r["地区"] for r in body)) == PLAN_NAMES
    assert all(r["状态"] in STATUS_LABELS for r in body)
    assert any("欠薪" in (r["内容"] or "") or "工资" in (r["内容"] or "") for r in body)
    assert all(str(r["行号"]).startswith("L") for r in body if r["状态"] != "未涉及")


def test_compare_marks_silent_plans(page, server):
    base = server[0]
    _open(page, base, "compare", 'input[aria-label="政策主题"]')
    page.get_by_role("button", name="海峡两岸").click()
    page.locator(".rs-silent").first.wait_for(state="visible")
    _idle(page)
    silent = page.locator('[data-testid="stColumn"]:has(.rs-silent)').all_inner_texts()
    assert silent and all("未涉及" in t for t in silent)
    assert any(t.startswith("湖北省鄂州市") for t in silent)
    _shot(page, "compare_silent")


def test_search_page(page, server):
    base = server[0]
    _open(page, base, "", 'input[aria-label="检索词"]')
    t0 = _submit(page, "检索词", "技工院校")
    page.locator(".rs-text mark").first.wait_for(state="visible")
    _idle(page)
    _record("search_query_to_render_s", time.perf_counter() - t0)
    assert page.locator(".rs-text").count() == 10
    page.get_by_text("查看上下文（整节）").first.click()
    page.locator(".rs-ctx.rs-current").first.wait_for(state="visible")
    _shot(page, "search")


def test_precedents_page(page, server):
    base = server[0]
    _open(page, base, "precedents", 'textarea[aria-label="草稿段落"]')
    page.get_by_role("button", name="填入示例").click()
    page.locator(".rs-text mark").first.wait_for(state="visible")
    _idle(page)
    _shot(page, "precedents")


def test_review_page(page, server):
    base = server[0]
    _open(page, base, "review", '[data-testid="stSelectbox"]')
    page.get_by_text("以 ").first.wait_for(timeout=60_000)
    page.locator('[data-testid="stMetric"]').first.wait_for(state="visible")
    assert page.get_by_text("已覆盖").count() > 0 and page.get_by_text("未覆盖").count() > 0
    _shot(page, "review")


def test_indicators_page(page, server):
    base = server[0]
    _open(page, base, "indicators", '[data-testid="stDataFrame"]')
    page.locator('[data-testid="stVegaLiteChart"], .vega-embed').first.wait_for(state="visible")
    _shot(page, "indicators")


def test_library_page(page, server):
    base = server[0]
    _open(page, base, "library", '[data-testid="stExpander"]')
    page.locator('[data-testid="stExpander"] summary').first.click()
    _idle(page)
    _shot(page, "library")


def test_links_reopen_the_same_view_in_a_clean_frame(page, server):
    base = server[0]
    _open(page, base, "", 'input[aria-label="检索词"]')
    assert page.url.split("?")[0].endswith("/search")           # the root forwards to /search
    assert page.title() == "检索 · 人社规划比对与检索"
    assert not page.get_by_role("button", name="Deploy").count()  # viewer toolbar: no developer menu
    _submit(page, "检索词", "技工院校")
    page.locator(".rs-text mark").first.wait_for(state="visible")
    _idle(page)
    assert "q=%E6%8A%80%E5%B7%A5%E9%99%A2%E6%A0%A1" in page.url     # q=技工院校
    link = page.url
    first = page.locator(".rs-text").first.inner_text()
    colleague = page.context.browser.new_context(locale="zh-CN").new_page()  # the link, sent on
    try:
        colleague.goto(link)
        colleague.locator(".rs-text mark").first.wait_for(state="visible", timeout=120_000)
        _idle(colleague, 120_000)
        expect(colleague.locator('input[aria-label="检索词"]')).to_have_value("技工院校", timeout=30_000)
        assert colleague.locator(".rs-text").first.inner_text() == first
    finally:
        colleague.context.close()
    _open(page, base, "compare?q=根治欠薪", ".rs-badge")
    assert page.title() == "对照 · 人社规划比对与检索"
    columns = [t for t in page.locator('[data-testid="stColumn"]:has(.rs-badge)').all_inner_texts()
               if any(s in t for s in STATUS_LABELS)]
    assert [c.split("\n")[0] for c in columns] == PLAN_NAMES
    _open(page, base, "review?plan=xiamen&against=hainan", '[data-testid="stSelectbox"]')
    page.get_by_text("以 海南省").first.wait_for(timeout=120_000)
