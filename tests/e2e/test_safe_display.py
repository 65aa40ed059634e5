"""Plan text, plan titles and uploaded file names carrying HTML or Markdown render as text on every
page, in a real browser: no script runs, no image or link is made, nothing turns bold."""
from __future__ import annotations

import pytest

from tests.e2e.conftest import HOSTILE_HEADING, HOSTILE_PLAN, HOSTILE_TEXT, idle, open_page

TITLE = HOSTILE_PLAN["title"]
REGION = HOSTILE_PLAN["region"]
EVIL_FILE = "<img src=x onerror=alert('file')>**上传**[链接](javascript:alert('f')).txt"


@pytest.fixture
def hostile(page, hostile_server):
    """A page on the hostile server, recording every alert() that would mean a script ran."""
    alerts: list[str] = []
    page.on("dialog", lambda d: (alerts.append(d.message), d.dismiss()))
    page.set_default_timeout(60_000)
    yield page, hostile_server[0], alerts


def _idle(pg) -> None:
    idle(pg, timeout=120_000)


def _open(pg, base: str, path: str, ready: str) -> None:
    open_page(pg, base, path, ready, timeout=120_000)


def _inert(pg, alerts: list[str], *literal: str) -> None:
    """Nothing of the hostile strings became markup, and each `literal` shows as typed."""
    pg.wait_for_timeout(500)   # an onerror handler would have fired by now
    assert not alerts, alerts
    main = pg.locator('[data-testid="stMain"]')
    assert not main.locator('img[src="x"]').count()
    assert not pg.locator('a[href^="javascript"]').count()
    assert not pg.evaluate("[...document.scripts].some(s => s.textContent.includes(\"alert('\"))")
    for word in ("斜体正文", "删除", "红字", "斜体标题", "粗体", "上传"):
        made = main.locator(f':is(strong, b, em, i, del, s, span[class*="color"]):text-is("{word}")')
        assert not made.count(), word
    shown = main.text_content()
    for text in literal:
        assert text in shown, text


def test_search_shows_markup_in_plan_text_and_titles_as_text(hostile):
    pg, base, alerts = hostile
    _open(pg, base, "search?q=欠薪源头治理&plan=evil", ".rs-text")
    _inert(pg, alerts, TITLE)
    hit = pg.locator(".rs-text", has_text="斜体正文").first
    assert HOSTILE_TEXT in hit.inner_text()
    pg.get_by_text("查看上下文（整节）").first.click()
    pg.locator(".rs-ctx.rs-current").first.wait_for(state="visible")
    _inert(pg, alerts, HOSTILE_TEXT)
    _open(pg, base, "search?q=失业保险保障功能&plan=evil&mode=keyword", ".rs-cite")
    _inert(pg, alerts, HOSTILE_HEADING)                      # a heading in the citation line


def test_compare_and_precedents_show_markup_as_text(hostile):
    pg, base, alerts = hostile
    _open(pg, base, "compare?q=欠薪源头治理", ".rs-badge")
    _inert(pg, alerts, REGION, HOSTILE_TEXT)
    _open(pg, base, "precedents?plan=evil", 'textarea[aria-label="草稿段落"]')
    pg.get_by_role("button", name="填入示例").click()
    pg.locator(".rs-text").first.wait_for(state="visible")
    _idle(pg)
    _inert(pg, alerts, TITLE)


def test_review_indicators_and_library_show_markup_as_text(hostile):
    pg, base, alerts = hostile
    _open(pg, base, "review?plan=evil&against=fujian", '[data-testid="stMetric"]')
    _inert(pg, alerts, TITLE)
    _open(pg, base, "indicators", '[data-testid="stDataFrame"]')
    _inert(pg, alerts)
    _open(pg, base, "library?plan=evil", '[data-testid="stExpander"]')
    _inert(pg, alerts, TITLE, REGION)     # collapsed expanders may not be rendered yet
    expander = pg.locator('[data-testid="stExpander"] summary', has_text="社会保障").first
    expander.click()
    _inert(pg, alerts, HOSTILE_HEADING)


def test_uploaded_file_name_shows_as_text(hostile):
    pg, base, alerts = hostile
    _open(pg, base, "library", '[data-testid="stExpander"]')
    pg.get_by_role("tab", name="添加规划").click()
    with pg.expect_response(lambda r: "/_stcore/upload_file" in r.url):
        pg.locator('input[type="file"]:not([multiple])').set_input_files(
            files=[{"name": EVIL_FILE, "mimeType": "text/plain", "buffer": "第一章 总则\n内容".encode()}])
    pg.get_by_role("button", name="读取文件并识别信息").click()      # the proposal names the file
    pg.get_by_role("button", name="确认添加到文库").wait_for(state="visible")
    pg.locator('input[aria-label="编号"]').fill("Bad/Id")
    pg.locator('input[aria-label="标题"]').fill("**标题**<img src=x onerror=alert('t2')>")
    pg.get_by_role("button", name="确认添加到文库").click()
    pg.get_by_text("无法添加该规划，文库未作任何改动").wait_for(state="visible")
    _idle(pg)
    _inert(pg, alerts)
    chip = pg.locator('[data-testid="stFileChipName"]')       # long names are shortened, with a tooltip
    assert chip.get_attribute("title") == EVIL_FILE and chip.inner_text().startswith("<img sr")
    assert "规划编号" in pg.locator('[data-testid="stAlertContentError"]').first.text_content()
