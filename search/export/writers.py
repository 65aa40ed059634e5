"""Exports of result rows to .xlsx (openpyxl) and .docx (python-docx), returned as bytes.

Rows are plain dicts; `columns` is a list of (key, header) pairs choosing and
labelling what is shown. Callers pass citation columns (plan title, chapter,
section, lines) in the rows; `chunk_citation` builds them for a chunk.
"""
from __future__ import annotations

import io
import re

from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from corpus.model import Chunk, PlanInfo

CJK_FONT = "SimSun"       # East Asian font name written into the .docx
LATIN_FONT = "Times New Roman"
CITATION_COLUMNS = [("plan_title", "规划"), ("chapter", "章"), ("section", "节"), ("lines", "行号")]

Columns = list[tuple[str, str]]


def chunk_citation(info: PlanInfo, chunk: Chunk) -> dict:
    """Citation fields of a chunk: plan_title, chapter, section and lines ("L12–15")."""
    path = list(chunk.heading_path) + ["", ""]
    lines = f"L{chunk.line_start}" if chunk.line_start == chunk.line_end else f"L{chunk.line_start}–{chunk.line_end}"
    return {"plan_title": info.title, "chapter": path[0], "section": path[1], "lines": lines}


def _columns(rows: list[dict], columns: Columns | None) -> Columns:
    if columns:
        return columns
    return [(k, k) for k in rows[0]] if rows else []


def _cell(value) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return " > ".join(str(v) for v in value)
    return value if isinstance(value, (int, float, str)) else str(value)


def _sheet_title(name: str, used: set[str]) -> str:
    title = re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "Sheet"
    base, n = title, 2
    while title in used:
        suffix = f"_{n}"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(title)
    return title


def to_xlsx(sheets: dict[str, list[dict]], columns: Columns | None = None) -> bytes:
    """Workbook bytes with one sheet per entry: a bold header row, then one row per dict."""
    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for name, rows in sheets.items():
        ws = wb.create_sheet(_sheet_title(name, used))
        cols = _columns(rows, columns)
        ws.append([header for _, header in cols])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append([_cell(row.get(key)) for key, _ in cols])
        for idx, (key, header) in enumerate(cols, 1):
            width = max([len(str(header))] + [len(str(_cell(r.get(key)))) for r in rows])
            ws.column_dimensions[ws.cell(1, idx).column_letter].width = min(60, 2 * width + 2)
        for line in ws.iter_rows(min_row=2):
            for cell in line:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _set_cjk_font(style) -> None:
    """Explicit Latin and East Asian fonts; theme font attributes would override them."""
    style.font.name = LATIN_FONT
    rfonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    rfonts.set(qn("w:eastAsia"), CJK_FONT)


def to_docx(title: str, sections: list[tuple[str, list[dict]]], columns: Columns | None = None) -> bytes:
    """Document bytes: the title, then per section a heading and a table of its rows."""
    doc = Document()
    for style_name in ("Normal", "Title", "Heading 1", "Table Grid"):
        _set_cjk_font(doc.styles[style_name])
    doc.styles["Normal"].font.size = Pt(10.5)
    doc.add_heading(title, level=0)
    for heading, rows in sections:
        doc.add_heading(heading, level=1)
        cols = _columns(rows, columns)
        if not rows:
            doc.add_paragraph("（无结果）")
            continue
        table = doc.add_table(rows=1, cols=len(cols))
        table.style = doc.styles["Table Grid"]
        for cell, (_, header) in zip(table.rows[0].cells, cols):
            cell.text = header
            for run in cell.paragraphs[0].runs:
                run.bold = True
        for row in rows:
            cells = table.add_row().cells
            for cell, (key, _) in zip(cells, cols):
                cell.text = str(_cell(row.get(key)))
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
