"""PDF plans, read by layout with pdfplumber: printed lines with their positions, ruled tables
as grids (merged cells in both directions, wrapped cell text rejoined), one-cell frames as
专栏 boxes. corpus/importing/reflow.py turns the lines back into paragraphs."""
from __future__ import annotations

import statistics
from pathlib import Path

from corpus.importing import ImportedText, PlanImportError
from corpus.importing.reflow import PageInfo, TableBlock, TextLine, reflow

_TABLE_SETTINGS = {"vertical_strategy": "lines", "horizontal_strategy": "lines"}
_MIN_BOX = 40.0        # points: a one-cell frame smaller than this is decoration, not a box


def _line_text(chars: list[dict]) -> str:
    """Characters of one printed line, left to right; spaces as printed, or where a gap wider than
    a quarter character (Latin) or a whole character (Chinese) separates two characters."""
    out = ""
    prev = None
    for ch in sorted(chars, key=lambda c: c["x0"]):
        t = ch["text"]
        if prev is not None and t != " " and not out.endswith(" "):
            latin = out[-1].isascii() and t.isascii()
            if ch["x0"] - prev["x1"] > (0.25 if latin else 1.0) * (ch.get("size") or 10):
                out += " "
        out += t
        prev = ch
    return " ".join(out.split())


def _lines(chars: list[dict]) -> list[list[dict]]:
    """Characters grouped into printed lines (same baseline within a third of the font size)."""
    rows: list[list[dict]] = []
    for ch in sorted(chars, key=lambda c: (round(c["bottom"], 1), c["x0"])):
        if rows:
            last = rows[-1]
            ref = last[0]
            if abs(ch["bottom"] - ref["bottom"]) <= (ref.get("size") or 10) * 0.35:
                last.append(ch)
                continue
        rows.append([ch])
    return rows


def _inside(ch: dict, bbox) -> bool:
    x0, top, x1, bottom = bbox
    cx, cy = (ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2
    return x0 <= cx <= x1 and top <= cy <= bottom


def _cell_text(chars: list[dict]) -> str:
    lines = [_line_text(group) for group in _lines(chars)]
    out = ""
    for ln in lines:
        if out and out[-1].isascii() and out[-1].isalnum() and ln[:1].isascii() and ln[:1].isalnum():
            out += " "
        out += ln
    return out


def _is_bold(chars: list[dict]) -> bool:
    names = [c.get("fontname", "") for c in chars if c["text"].strip()]
    return bool(names) and sum("bold" in n.lower() for n in names) > len(names) / 2


def _page_items(page, number: int) -> list:
    chars = [c for c in page.chars if c["text"] and c.get("upright", True)]
    items: list = []
    boxes = []
    for k, table in enumerate(page.find_tables(_TABLE_SETTINGS)):
        x0, top, x1, bottom = table.bbox
        if len(table.cells) == 1:
            if x1 - x0 >= _MIN_BOX and bottom - top >= _MIN_BOX / 2:
                boxes.append((f"box{number}-{k}", table.bbox))
            continue
        inside = [c for c in chars if _inside(c, table.bbox)]
        cells = [(*bbox, _cell_text([ch for ch in inside if _inside(ch, bbox)])) for bbox in table.cells]
        items.append(TableBlock(number, top, [cells], x0, x1))
        taken = set(map(id, inside))
        chars = [c for c in chars if id(c) not in taken]
    for group in _lines(chars):
        if not "".join(c["text"] for c in group).strip():
            continue
        region = "body"
        for box_id, bbox in boxes:
            if all(_inside(c, bbox) for c in group):
                region = box_id
                break
        text = _line_text(group)
        if not text:
            continue
        items.append(TextLine(
            page=number, text=text, x0=min(c["x0"] for c in group), x1=max(c["x1"] for c in group),
            top=min(c["top"] for c in group), bottom=max(c["bottom"] for c in group),
            size=statistics.median([c.get("size") or 10 for c in group]), region=region,
            bold=_is_bold(group)))
    items.sort(key=lambda it: it.top)
    return items


def read_pdf(path: Path) -> ImportedText:
    """The corpus text of a PDF plan with a text layer."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    items: list = []
    pages: list[PageInfo] = []
    try:
        with pdfplumber.open(path) as pdf:
            for n, page in enumerate(pdf.pages, start=1):
                page_items = _page_items(page, n)
                pages.append(PageInfo(n, float(page.height), has_text=bool(page_items)))
                items += page_items
    # pdfminer raises many types (PDFSyntaxError, struct, key errors) on damaged files, and
    # pdfplumber wraps them in PdfminerException.
    except Exception as exc:
        inner = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else exc
        if isinstance(inner, (PDFPasswordIncorrect, PDFEncryptionError)):
            raise PlanImportError(f"PDF 文件 {path.name} 已加密，请先解除密码保护 / "
                                  f"The PDF {path.name} is password-protected: remove the password first") from exc
        reason = str(inner) or type(inner).__name__
        raise PlanImportError(f"无法读取 PDF 文件 {path.name}（文件可能已损坏）：{reason} / "
                              f"Cannot read the PDF {path.name} (damaged?): {reason}") from exc
    if not any(p.has_text for p in pages):
        raise PlanImportError(f"PDF 文件 {path.name} 中没有可提取的文字（可能是扫描件，请先进行文字识别） / "
                              f"No text could be extracted from {path.name} (a scanned PDF? run OCR first)")
    result = reflow(items, pages)
    empty = [p.number for p in pages if not p.has_text]
    warnings = list(result.warnings)
    if empty:
        shown = "、".join(map(str, empty[:10])) + ("等" if len(empty) > 10 else "")
        warnings.append(f"第 {shown} 页无文字（可能是扫描页或图片），未能读取")
    return ImportedText("\n".join(result.lines), warnings, pages=len(pages))
