"""A table read from Word or PDF, as a grid of cells, turned into the tab-separated row lines
the corpus table reader (corpus/tables.py) understands.

A grid is a list of rows; each position holds the cell's text at its top-left corner, HSPAN
where a cell spanning several columns covers it, or VSPAN where a cell from a row above does.
"""
from __future__ import annotations

import re

HSPAN = object()
VSPAN = object()


def _text(cell) -> str:
    return cell if isinstance(cell, str) else ""


def is_box(grid: list[list]) -> bool:
    """A one-column table (a 专栏 box drawn as a ruled frame)."""
    return all(sum(1 for c in row if isinstance(c, str)) <= 1 for row in grid)


def _collapse_header(grid: list[list]) -> list[list]:
    """Two header rows whose first has cells spanning columns ("“十四五”时期" over "2020年 | 2025年")
    become one row naming each column by its lowest label; the group label is dropped."""
    if len(grid) < 2:
        return grid
    top, sub = grid[0], grid[1]
    spanned = {i for i, c in enumerate(top) if c is HSPAN}
    if not spanned or sum(isinstance(c, str) for c in top) < 2:     # a title row spans the table
        return grid
    group = spanned | {i - 1 for i in spanned}
    under = [i for i, c in enumerate(sub) if _text(c)]
    if not under or not set(under) <= group or any(isinstance(sub[i], str) and sub[i] and i not in group
                                                    for i in range(len(sub))):
        return grid
    merged = [_text(sub[i]) if i in group else _text(top[i]) for i in range(len(top))]
    return [merged] + grid[2:]


def table_lines(grid: list[list]) -> list[str]:
    """One tab-separated line per row; spanned positions are empty cells; empty rows dropped.
    Header rows repeated on later pages are dropped."""
    grid = [row for row in grid if any(_text(c).strip() for c in row)]
    if not grid:
        return []
    width = max(len(r) for r in grid)
    grid = [r + [VSPAN] * (width - len(r)) for r in grid]
    grid = _collapse_header(grid)
    lines: list[str] = []
    for row in grid:
        line = "\t".join(_text(c).replace("\t", " ").strip() for c in row)
        if lines and line == lines[0] and len(lines) > 1:
            continue
        lines.append(line)
    return lines


Box = tuple[float, float, float, float, str]     # x0, top, x1, bottom, text of one cell

_LABELLED = re.compile(r"^\s*(?:[（(]?[\d一二三四五六七八九十]+[）)、.．]?|注)")


def _nearest(edges: list[float], v: float) -> int:
    return min(range(len(edges)), key=lambda i: abs(edges[i] - v))


def _part_grid(cells: list[Box], xs: list[float]) -> list[list]:
    ys = sorted({round(c[1], 1) for c in cells} | {round(c[3], 1) for c in cells})
    grid = [[VSPAN] * (len(xs) - 1) for _ in range(len(ys) - 1)]
    for x0, top, x1, bottom, text in cells:
        c0, c1 = _nearest(xs, x0), _nearest(xs, x1)
        r0, r1 = _nearest(ys, top), _nearest(ys, bottom)
        if c1 <= c0 or r1 <= r0:
            continue
        grid[r0][c0] = text
        for c in range(c0 + 1, c1):
            grid[r0][c] = HSPAN
        for r in range(r0 + 1, r1):
            for c in range(c0, c1):
                grid[r][c] = VSPAN
    return grid


def _continues_row(body: list[list], above: list, row: list) -> bool:
    """A row that is the rest of the row above, cut by a page end: no merged cell, fewer filled
    cells than the row above, and no row label (一、 / 1. / 注) where the table labels its rows
    or where the row above is filled throughout."""
    if not all(isinstance(c, str) for c in above + row):
        return False
    filled = sum(bool(c.strip()) for c in row)
    if _LABELLED.match(row[0]) or filled >= sum(bool(c.strip()) for c in above):
        return False
    labelled = sum(bool(_LABELLED.match(_text(r[0]))) for r in body)
    return (len(body) >= 3 and labelled >= 0.6 * len(body)) or all(c.strip() for c in above)


def _glue(a: str, b: str) -> str:
    if a and b and a[-1].isascii() and a[-1].isalnum() and b[0].isascii() and b[0].isalnum():
        return a + " " + b
    return a + b


def grid_from_boxes(parts: list[list[Box]]) -> list[list]:
    """The grid of a ruled table drawn as cell rectangles, possibly in parts on successive pages
    (a header repeated on the next page is dropped, a row cut by the page end rejoined)."""
    xs: list[float] = []
    for x in sorted({round(c[i], 1) for part in parts for c in part for i in (0, 2)}):
        if not xs or x - xs[-1] > 2.0:
            xs.append(x)
    grid: list[list] = []
    for part in parts:
        rows = [r for r in _part_grid(part, xs) if any(_text(c).strip() for c in r)]
        if grid:
            while rows and rows[0] in grid[:3]:
                rows.pop(0)
            body = [r for r in grid[1:] + rows[1:]]
            if rows and _continues_row(body, grid[-1], rows[0]):
                grid[-1] = [_glue(a, b) for a, b in zip(grid[-1], rows.pop(0))]
        grid += rows
    return grid
