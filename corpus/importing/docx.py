"""Word (.docx) plans: paragraphs with their automatic numbers, bold lead phrases, tables with
merged cells, 专栏 boxes drawn as one-column tables or text boxes. The table of contents,
headers, footers and footnotes stay out of the text."""
from __future__ import annotations

import zipfile
from pathlib import Path

from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

from corpus.lines import TOC_TITLE
from corpus.importing import ImportedText, PlanImportError
from corpus.importing.grid import HSPAN, VSPAN, is_box, table_lines
from corpus.importing.numbering import Numbering

_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"


def _is_toc(paragraph) -> bool:
    name = (paragraph.style.name if paragraph.style is not None else "").lower()
    return name.startswith("toc") or name.startswith("目录")


def _in_toc_field(paragraph, fields: list[str]) -> bool:
    """Follow the complex fields (w:fldChar begin / instrText / end) through a paragraph; `fields`
    is the stack of open field instructions, carried from paragraph to paragraph. True when the
    paragraph is inside (or starts or ends) a TOC field; nested PAGEREF fields do not end it."""
    inside = "TOC" in fields
    for el in paragraph._p.iter(qn("w:fldChar"), qn("w:instrText")):
        if el.tag == qn("w:instrText"):
            if fields and not fields[-1]:
                fields[-1] = (el.text or "").split()[0] if (el.text or "").split() else ""
            inside = inside or "TOC" in fields
        elif el.get(qn("w:fldCharType")) == "begin":
            fields.append("")
        elif el.get(qn("w:fldCharType")) == "end" and fields:
            fields.pop()
    return inside


def _run_text(paragraph) -> list[tuple[str, bool]]:
    """(text, bold) per run, in order."""
    out = []
    for run in paragraph.runs:
        if run.text:
            bold = run.bold if run.bold is not None else bool(run.style is not None and run.style.font.bold)
            out.append((run.text, bool(bold)))
    return out


def _paragraph_text(paragraph, numbering: Numbering) -> str:
    """The visible text with its list number; a bold opening phrase is marked **…** as in the
    corpus plans (it becomes the passage's lead)."""
    runs = _run_text(paragraph)
    text = "".join(t for t, _ in runs) if runs else paragraph.text
    label = numbering.label(paragraph) if text.strip() else ""
    bold_chars = sum(len(t) for t, b in runs if b)
    if runs and 0 < bold_chars < len(text.strip()):
        # bold runs right after an optional dash opening: ——**稳定和扩大就业成效明显。**
        prefix, k = "", 0
        while k < len(runs) and not runs[k][1] and not runs[k][0].strip(" \u3000—-"):
            prefix += runs[k][0]
            k += 1
        lead = ""
        while k < len(runs) and runs[k][1]:
            lead += runs[k][0]
            k += 1
        if lead.strip():
            text = f"{prefix}**{lead.strip()}**" + "".join(t for t, _ in runs[k:])
    return (label + text.strip()).replace("\t", " ").replace("\n", " ")


def _text_boxes(paragraph) -> list:
    """Paragraph elements of the text boxes anchored in a paragraph (each box once)."""
    boxes = []
    for box in paragraph._p.iter(qn("w:txbxContent")):
        parent, fallback = box.getparent(), False
        while parent is not None:
            if parent.tag == _MC_FALLBACK:
                fallback = True
                break
            parent = parent.getparent()
        if not fallback:
            boxes.append(box)
    return boxes


def _grid(table) -> list[list]:
    grid = []
    seen: dict = {}
    for r, row in enumerate(table.rows):
        cells = [VSPAN] * row.grid_cols_before
        prev_tc = None
        for cell in row.cells:
            tc = cell._tc
            if tc is prev_tc:
                cells.append(HSPAN)
            elif tc in seen and seen[tc] < r:
                cells.append(VSPAN)
            else:
                seen[tc] = r
                texts = [p.text.replace("\n", " ").strip() for p in cell.paragraphs]
                cells.append(" ".join(t for t in texts if t))
            prev_tc = tc
        grid.append(cells)
    return grid


class _Reader:
    def __init__(self, document):
        self.numbering = Numbering(document)
        self.lines: list[str] = []
        self.warnings: list[str] = []
        self.toc_lines = 0
        self.fields: list[str] = []          # open complex fields, by instruction name

    def paragraph(self, paragraph) -> None:
        in_toc = _in_toc_field(paragraph, self.fields) or _is_toc(paragraph)
        if in_toc:
            if not self.toc_lines and self.lines and TOC_TITLE.match(self.lines[-1].replace(" ", "")):
                self.lines.pop()
            self.toc_lines += 1
            return
        text = _paragraph_text(paragraph, self.numbering)
        if text:
            self.lines.append(text)
        for box in _text_boxes(paragraph):
            for p in box.iter(qn("w:p")):
                self.paragraph(Paragraph(p, paragraph._parent))

    def table(self, table) -> None:
        grid = _grid(table)
        if is_box(grid):
            for row in table.rows:
                for cell in dict.fromkeys(c for c in row.cells):
                    for block in cell.iter_inner_content():
                        self.block(block)
            return
        self.lines += table_lines(grid)

    def block(self, block) -> None:
        if isinstance(block, Table):
            self.table(block)
        else:
            self.paragraph(block)


def read_docx(path: Path) -> ImportedText:
    """The corpus text of a Word plan."""
    from docx import Document

    if not zipfile.is_zipfile(path):
        raise PlanImportError(
            f"{path.name} 不是有效的 Word（.docx）文件：可能已损坏，或是改了扩展名的旧版 .doc 文件"
            f"（请用 Word 或 WPS 另存为 .docx） / {path.name} is not a valid .docx file: it may be damaged "
            "or an old .doc renamed to .docx (save it as .docx in Word or LibreOffice)")
    try:
        document = Document(str(path))
        reader = _Reader(document)
        for block in document.iter_inner_content():
            reader.block(block)
    # python-docx raises many types (zip, XML, key errors) on damaged files.
    except Exception as exc:
        raise PlanImportError(f"无法读取 Word 文件 {path.name}（文件可能已损坏）：{exc} / "
                              f"Cannot read the Word file {path.name} (damaged?): {exc}") from exc
    warnings = list(reader.warnings)
    if reader.toc_lines:
        warnings.append(f"目录已跳过（{reader.toc_lines} 行）")
    return ImportedText("\n".join(reader.lines), warnings)
