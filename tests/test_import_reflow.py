"""Printed PDF lines back into paragraphs: running matter in its usual forms, the table of
contents, and lines cut by line and page ends, for layouts with and without indents."""
from __future__ import annotations

import pytest

from corpus.importing.reflow import PageInfo, TextLine, reflow

SIZE = 12.0
LEFT, RIGHT = 72.0, 523.0


def line(page: int, y: float, text: str, indent: float = 0.0, full: bool = True, **kw) -> TextLine:
    x1 = RIGHT if full else LEFT + indent + SIZE * len(text)
    return TextLine(page, text, LEFT + indent, x1, y, y + SIZE, SIZE, **kw)


def running(page: int, number: str) -> list[TextLine]:
    return [TextLine(page, "某市人社“十四五”规划", 300, RIGHT, 40, 49, 9),
            TextLine(page, number, 280, 320, 800, 809, 9)]


@pytest.mark.parametrize("form", ["— {} —", "- {} -", "第{}页", "{}", "第 {} 页 共 9 页", "{}/9"])
def test_running_headers_and_page_numbers_go(form):
    items = []
    for page in (1, 2, 3):
        items += running(page, form.format(page + 1))
        items += [line(page, 400, f"第{page}页正文从这里开始，", indent=2 * SIZE),
                  line(page, 420, "到这里结束。", full=False)]
    out = reflow(items, [PageInfo(p, 842) for p in (1, 2, 3)]).lines
    assert out == [f"第{p}页正文从这里开始，到这里结束。" for p in (1, 2, 3)]


def test_lines_rejoin_across_line_and_page_ends_with_indents():
    items = [line(1, 700, "第一章 总体要求", indent=8 * SIZE, full=False, bold=True),
             line(1, 730, "坚持就业优先战略，实施更加积极的就", indent=2 * SIZE),
             line(1, 750, "业政策。健全就业公共服务体系，"),
             line(1, 770, "2.5万人以上。", full=False),     # a decimal, not item 2
             line(2, 100, "（一）稳定就业", full=False, bold=True),
             line(2, 130, "推动实现更加充分更高质量就业，扩大", indent=2 * SIZE),
             *running(1, "— 2 —"), *running(2, "— 3 —"),
             line(2, 150, "就业容量。", full=False)]
    items.sort(key=lambda it: (it.page, it.top))
    out = reflow(items, [PageInfo(1, 842), PageInfo(2, 842)]).lines
    assert out == ["第一章 总体要求", "坚持就业优先战略，实施更加积极的就业政策。健全就业公共服务体系，2.5万人以上。",
                   "（一）稳定就业", "推动实现更加充分更高质量就业，扩大就业容量。"]


def test_paragraphs_without_indent_are_told_apart_by_spacing():
    items = [line(1, 100, "健全终身职业技能培训制度，全面推行"), line(1, 118, "企业新型学徒制。", full=False),
             line(1, 150, "加强技工院校建设，推进产教融合，"), line(1, 168, "提升培养质量。", full=False)]
    out = reflow(items, [PageInfo(1, 842)]).lines
    assert out == ["健全终身职业技能培训制度，全面推行企业新型学徒制。", "加强技工院校建设，推进产教融合，提升培养质量。"]


def test_table_of_contents_is_skipped():
    items = [line(1, 100, "目  录", full=False),
             line(1, 130, "第一章 总体要求 ........ 1"), line(1, 150, "第二章 主要任务 ........ 3"),
             line(2, 100, "第一章 总体要求", indent=8 * SIZE, full=False)]
    result = reflow(items, [PageInfo(1, 842), PageInfo(2, 842)])
    assert result.lines == ["第一章 总体要求"]
    assert result.warnings == ["目录已跳过（3 行）"]
