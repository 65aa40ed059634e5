"""Laid-out text lines (from a PDF) back into the paragraphs the plan was written in.

Pure functions over positioned lines: drop running headers, footers and page numbers, skip
the table of contents, rejoin lines cut by line and page ends. Chinese text carries no
spaces, so a line continues the previous one unless the layout or the text says otherwise:
the previous line stopped short of the right margin, this line is indented, a gap wider
than the line spacing separates them, or one of them is a heading.
"""
from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass, field

from corpus.lines import (CHAPTER_DUN, CHAPTER_ZHANG, COLUMN_ITEM_2D, COLUMN_TITLE, ITEM_NUMBER,
                          ITEM_PAREN, PREFACE, SECTION_JIE, SECTION_PAREN, TABLE_CAPTION, TOC_TITLE,
                          ends_sentence)
from corpus.importing.grid import Box, grid_from_boxes, table_lines

# Share of the page height at the top and bottom where running headers and footers sit.
MARGIN_BAND = 0.1
# A header/footer text (digits ignored) repeated on this share of the pages is running matter.
REPEAT_SHARE = 0.3

PAGE_NUMBER = re.compile(
    r"^(?:[-—–－~\s]*\d{1,4}[-—–－~\s]*|第\s*\d{1,4}\s*页(?:\s*[，,/]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4}|[-—–－]\s*[ivxlcIVXLC]{1,6}\s*[-—–－]|page\s*\d+(?:\s*of\s*\d+)?)$",
    re.IGNORECASE)
TOC_LINE = re.compile(r"(?:\.{2,}|…+|·{2,}|\s)\s*\d{1,3}$")


@dataclass
class TextLine:
    """One printed line: its text and where it sits (PDF points, top-down)."""
    page: int                  # 1-based
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    region: str = "body"       # "body" or the id of the 专栏 box it is printed in
    left: float = 0.0          # the region's text edges (set by `reflow`)
    right: float = 0.0
    bold: bool = False


@dataclass
class TableBlock:
    """A ruled table: its cells (x0, top, x1, bottom, text), one list per page it is printed on."""
    page: int
    top: float
    parts: list[list[Box]]
    x0: float = 0.0
    x1: float = 0.0


@dataclass
class PageInfo:
    number: int
    height: float
    has_text: bool = True


@dataclass
class Reflowed:
    lines: list[str]
    warnings: list[str] = field(default_factory=list)


def _key(line: "TextLine") -> tuple[str, int]:
    """What repeats on every page of running matter: the text with digits ignored, and its size."""
    return re.sub(r"\d+", "#", "".join(line.text.split())), round(line.size)


def strip_running(lines: list[TextLine], pages: list[PageInfo]) -> tuple[list[TextLine], int]:
    """Lines without running headers, footers and page numbers; also returns how many went."""
    height = {p.number: p.height for p in pages}

    def in_band(ln: TextLine) -> bool:
        h = height.get(ln.page, 842.0)
        return ln.top < h * MARGIN_BAND or ln.bottom > h * (1 - MARGIN_BAND)

    per_page: dict[tuple[str, int], set[int]] = {}
    for ln in lines:
        if in_band(ln):
            per_page.setdefault(_key(ln), set()).add(ln.page)
    n_pages = max(1, len(pages))
    repeated = {k for k, pgs in per_page.items() if len(pgs) >= 2 and len(pgs) >= REPEAT_SHARE * n_pages}
    kept = [ln for ln in lines
            if not (in_band(ln) and (PAGE_NUMBER.match(ln.text.strip()) or _key(ln) in repeated))]
    return kept, len(lines) - len(kept)


def _heading(text: str) -> bool:
    return bool(CHAPTER_ZHANG.match(text) or SECTION_JIE.match(text) or PREFACE.match(text)
                or COLUMN_TITLE.match(text) or TABLE_CAPTION.match(text)
                or (len(text) <= 40 and "。" not in text
                    and (CHAPTER_DUN.match(text) or SECTION_PAREN.match(text))))


def _opens_unit(text: str) -> bool:
    return bool(_heading(text) or ITEM_NUMBER.match(text) or ITEM_PAREN.match(text)
                or COLUMN_ITEM_2D.match(text) or text.startswith("——"))


def skip_toc(items: list) -> tuple[list, int]:
    """Items without the table of contents: the 目录 title and the entry lines after it (each
    ending in a page number), or any run of three or more such entry lines."""
    out, skipped, i = [], 0, 0
    while i < len(items):
        it = items[i]
        if isinstance(it, TextLine):
            titled = bool(TOC_TITLE.match("".join(it.text.split())))
            j = i + 1 if titled else i
            while j < len(items) and isinstance(items[j], TextLine) and (
                    TOC_LINE.search(items[j].text) or (
                        j + 1 < len(items) and isinstance(items[j + 1], TextLine)
                        and not TOC_LINE.search(items[j].text) and TOC_LINE.search(items[j + 1].text)
                        and j > i and len(items[j].text) < 40)):
                j += 1
            if j - i >= (1 if titled else 3):
                skipped += j - i
                i = j
                continue
        out.append(it)
        i += 1
    return out, skipped


def _margins(lines: list[TextLine]) -> None:
    """Set each line's region edges: the usual left start and right end of its region's lines."""
    by_region: dict[tuple, list[TextLine]] = {}
    for ln in lines:
        region = ln.region if ln.region != "body" else "body"
        by_region.setdefault(region, []).append(ln)
    for group in by_region.values():
        lefts = Counter(round(ln.x0) for ln in group)
        left = min(x for x, n in lefts.items() if n >= max(1, lefts.most_common(1)[0][1] * 0.2))
        right = statistics.quantiles([ln.x1 for ln in group], n=10)[-1] if len(group) >= 10 \
            else max(ln.x1 for ln in group)
        for ln in group:
            ln.left, ln.right = left, right


def _same_look(a: TextLine, b: TextLine) -> bool:
    return a.bold == b.bold and abs(a.size - b.size) < 0.5


def _inset(ln: TextLine) -> tuple[float, float]:
    return ln.x0 - ln.left, ln.right - ln.x1


def _centered(ln: TextLine, min_inset: float) -> bool:
    left, right = _inset(ln)
    return left >= min_inset and abs(left - right) < 2 * ln.size


def _joins(prev: TextLine, ln: TextLine, pitch: float) -> bool:
    """True when `ln` continues the paragraph `prev` ends: `prev` runs to the right margin
    without closing a numbered unit, `ln` is not indented and looks the same; or both are
    centred lines of one wrapped title."""
    size = ln.size or 10.0
    if prev.region != ln.region and "body" in (prev.region, ln.region):
        return False
    if not _same_look(prev, ln):
        return False
    if prev.page == ln.page and ln.top - prev.bottom > max(pitch * 1.8, size * 1.2):
        return False
    if _centered(ln, ln.size) and _centered(prev, -ln.size):
        return prev.page == ln.page and not _opens_unit(ln.text) and not ends_sentence(prev.text)
    if prev.x1 < prev.right - 1.5 * size or ln.x0 > ln.left + 0.8 * size:
        return False
    return not (ends_sentence(prev.text) and _opens_unit(ln.text))


def _glue(a: str, b: str) -> str:
    if a and b and a[-1].isascii() and a[-1].isalnum() and b[0].isascii() and b[0].isalnum():
        return a + " " + b
    return a + b


def merge_tables(items: list) -> list:
    """A table continued on the next page (same left and right edges, nothing printed between)
    becomes one table."""
    out: list = []
    for it in items:
        prev = out[-1] if out else None
        if (isinstance(it, TableBlock) and isinstance(prev, TableBlock) and it.page == prev.page + 1
                and abs(it.x0 - prev.x0) < 3 and abs(it.x1 - prev.x1) < 3):
            prev.parts += it.parts
            prev.page = it.page
            continue
        out.append(it)
    return out


def reflow(items: list, pages: list[PageInfo]) -> Reflowed:
    """Corpus text lines from a document's lines and tables in reading order."""
    warnings = []
    text_lines = [it for it in items if isinstance(it, TextLine)]
    text_lines, removed = strip_running(text_lines, pages)
    keep = set(map(id, text_lines))
    items = [it for it in items if not isinstance(it, TextLine) or id(it) in keep]
    items, toc = skip_toc(items)
    items = merge_tables(items)
    if toc:
        warnings.append(f"目录已跳过（{toc} 行）")
    text_lines = [it for it in items if isinstance(it, TextLine)]
    if text_lines:
        _margins(text_lines)
    gaps = [b.top - a.bottom for a, b in zip(text_lines, text_lines[1:])
            if a.page == b.page and a.region == b.region and 0 <= b.top - a.bottom]
    pitch = statistics.median(gaps) if gaps else 4.0
    out: list[str] = []
    prev: TextLine | None = None
    for it in items:
        if isinstance(it, TableBlock):
            out += table_lines(grid_from_boxes(it.parts))
            prev = None
            continue
        text = it.text.strip()
        if not text:
            continue
        if prev is not None and _joins(prev, it, pitch):
            out[-1] = _glue(out[-1], text)
        else:
            out.append(text)
        prev = it
    return Reflowed(out, warnings)
