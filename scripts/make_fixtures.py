"""Re-publish the five corpus plans as a government office would: Word files and the PDFs
LibreOffice prints from them (tests/fixtures/published/).

Usage: python scripts/make_fixtures.py [--plans fujian,xiamen] [--layouts a4,b5]

Each plan is read with the corpus parser (outline, 专栏 boxes, indicator tables, paragraphs
rejoined across page breaks) and written with python-docx in two layouts:
  a4  A4, 14 pt serif, wide margins, heading numbers typed in the text, one-line table headers
  b5  B5, 10.5 pt sans, narrow margins, chapter/section numbers from Word list numbering,
      two-line table headers
Both carry real Heading styles, ruled tables with merged category rows, 专栏 boxes as
single-cell tables, a running header with the plan title, a "— N —" PAGE-field footer and a
table of contents whose page numbers are read back from a first PDF rendering.
Needs LibreOffice (`soffice`; Debian: libreoffice-writer-nogui) and a CJK font (fonts-noto-cjk).
"""
from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from docx import Document  # noqa: E402
from docx.enum.style import WD_STYLE_TYPE  # noqa: E402
from docx.enum.table import WD_TABLE_ALIGNMENT  # noqa: E402
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_TAB_ALIGNMENT, WD_TAB_LEADER  # noqa: E402
from docx.oxml import OxmlElement, parse_xml  # noqa: E402
from docx.oxml.ns import nsdecls, qn  # noqa: E402
from docx.shared import Cm, Pt  # noqa: E402

import config  # noqa: E402
from corpus.lines import (CHAPTER_DUN, CHAPTER_ZHANG, COLUMN_ITEM_2D, ITEM_NUMBER,  # noqa: E402
                          SECTION_JIE, SECTION_PAREN, read_lines)
from corpus.manifest import read_manifest  # noqa: E402
from corpus.parser import _heading_style, _paragraphs, _segment  # noqa: E402
from corpus.tables import _is_header, table_rows  # noqa: E402

OUT_DIR = config.ROOT / "tests" / "fixtures" / "published"


@dataclass(frozen=True)
class Layout:
    page_cm: tuple[float, float]
    margins_cm: tuple[float, float, float, float]     # top, bottom, left, right
    font: str
    size_pt: float
    auto_numbering: bool
    two_line_header: bool


LAYOUTS = {
    "a4": Layout((21.0, 29.7), (3.7, 3.5, 2.8, 2.6), "Noto Serif CJK SC", 14, False, False),
    "b5": Layout((17.6, 25.0), (2.0, 2.0, 1.8, 1.8), "Noto Sans CJK SC", 10.5, True, True),
}

W_NS = nsdecls("w")
_GROUP_COLUMN = re.compile(r"20\d\d|目标|基数|完成")


# ---------------------------------------------------------------- low-level Word helpers

def _set_font(style_or_run, layout: Layout, size: float | None = None, bold: bool | None = None) -> None:
    font = style_or_run.font
    font.name = layout.font
    font.size = Pt(size or layout.size_pt)
    if bold is not None:
        font.bold = bold
    rpr = style_or_run.element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), layout.font)


def _field(paragraph, instr: str, result: str = "") -> None:
    """Append a complex field (PAGE, TOC…) to a paragraph."""
    def fld(kind):
        run = paragraph.add_run()
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        run._r.append(el)
    fld("begin")
    run = paragraph.add_run()
    it = OxmlElement("w:instrText")
    it.set(qn("xml:space"), "preserve")
    it.text = f" {instr} "
    run._r.append(it)
    fld("separate")
    paragraph.add_run(result)
    fld("end")


def _ruled(table) -> None:
    borders = parse_xml(
        f'<w:tblBorders {W_NS}>' + "".join(
            f'<w:{side} w:val="single" w:sz="6" w:space="0" w:color="000000"/>'
            for side in ("top", "left", "bottom", "right", "insideH", "insideV")) + "</w:tblBorders>")
    table._tbl.tblPr.append(borders)


def _numbering(document, style: str) -> int:
    """A two-level list (chapter, section) bound to Heading 1/2; returns its numId."""
    numbering = document.part.numbering_part.element
    if style == "zhang":
        levels = [("chineseCounting", "第%1章", "space"), ("chineseCounting", "第%2节", "space")]
    else:
        levels = [("chineseCounting", "%1、", "nothing"), ("chineseCounting", "（%2）", "nothing")]
    abstract_id = 90
    lvls = "".join(
        f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
        f'<w:pStyle w:val="Heading{i + 1}"/><w:suff w:val="{suff}"/><w:lvlText w:val="{text}"/>'
        f'<w:lvlJc w:val="left"/><w:pPr><w:ind w:left="0" w:firstLine="0"/></w:pPr></w:lvl>'
        for i, (fmt, text, suff) in enumerate(levels))
    numbering.insert(0, parse_xml(
        f'<w:abstractNum {W_NS} w:abstractNumId="{abstract_id}">'
        f'<w:multiLevelType w:val="multilevel"/>{lvls}</w:abstractNum>'))
    num_id = 90
    numbering.append(parse_xml(f'<w:num {W_NS} w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/></w:num>'))
    for i in (1, 2):
        ppr = document.styles[f"Heading {i}"].element.get_or_add_pPr()
        ppr.append(parse_xml(f'<w:numPr {W_NS}><w:ilvl w:val="{i - 1}"/><w:numId w:val="{num_id}"/></w:numPr>'))
    return num_id


def _no_numbering(paragraph) -> None:
    paragraph._p.get_or_add_pPr().append(
        parse_xml(f'<w:numPr {W_NS}><w:ilvl w:val="0"/><w:numId w:val="0"/></w:numPr>'))


# ---------------------------------------------------------------- document parts

def _styles(document, layout: Layout) -> None:
    normal = document.styles["Normal"]
    _set_font(normal, layout)
    pf = normal.paragraph_format
    pf.first_line_indent = Pt(layout.size_pt * 2)
    pf.line_spacing = 1.3
    pf.space_after = Pt(0)
    for name, size in (("Title", layout.size_pt * 1.6), ("Heading 1", layout.size_pt * 1.25),
                       ("Heading 2", layout.size_pt * 1.05)):
        st = document.styles[name]
        _set_font(st, layout, size, bold=True)
        st.font.color.rgb = None
        st.paragraph_format.first_line_indent = Pt(0)
        st.paragraph_format.space_before = Pt(layout.size_pt * 0.6)
        st.paragraph_format.space_after = Pt(layout.size_pt * 0.4)
    document.styles["Title"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.styles["Heading 1"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    text_width = Cm(layout.page_cm[0] - layout.margins_cm[2] - layout.margins_cm[3])
    for level in (1, 2):
        st = document.styles.add_style(f"toc {level}", WD_STYLE_TYPE.PARAGRAPH)
        st.base_style = normal
        st.paragraph_format.first_line_indent = Pt(0)
        st.paragraph_format.left_indent = Pt(layout.size_pt * 2 * (level - 1))
        st.paragraph_format.tab_stops.add_tab_stop(text_width, WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)
    cell = document.styles.add_style("Table Text", WD_STYLE_TYPE.PARAGRAPH)
    cell.base_style = normal
    _set_font(cell, layout, layout.size_pt * 0.8)
    cell.paragraph_format.first_line_indent = Pt(0)
    cell.paragraph_format.line_spacing = 1.0


def _page(document, layout: Layout, title: str) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Cm(layout.page_cm[0]), Cm(layout.page_cm[1])
    (section.top_margin, section.bottom_margin,
     section.left_margin, section.right_margin) = (Cm(m) for m in layout.margins_cm)
    section.different_first_page_header_footer = True
    head = section.header.paragraphs[0]
    head.text = title
    head.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _set_font(head.runs[0], layout, layout.size_pt * 0.7)
    foot = section.footer.paragraphs[0]
    foot.alignment = WD_ALIGN_PARAGRAPH.CENTER
    foot.add_run("— ")
    _field(foot, "PAGE", "1")
    foot.add_run(" —")


def _heading_number(text: str, level: int) -> tuple[str, str]:
    """(number as written, rest) of a chapter or section heading."""
    for pattern in ((CHAPTER_ZHANG, CHAPTER_DUN) if level == 1 else (SECTION_JIE, SECTION_PAREN)):
        m = pattern.match(text)
        if m:
            return text[:m.start(1)].strip(), m.group(1).strip()
    return "", text


def _heading(document, text: str, level: int, layout: Layout) -> None:
    if layout.auto_numbering:
        number, rest = _heading_number(text, level)
        p = document.add_paragraph(rest if number else text, style=f"Heading {level}")
        if not number:
            _no_numbering(p)
    else:
        document.add_paragraph(text, style=f"Heading {level}")


def _rich_paragraph(container, raw: str, style: str | None = None, bold: bool = False):
    """A paragraph whose **bold** markers become bold runs."""
    p = container.add_paragraph(style=style)
    for k, part in enumerate(raw.replace("\u3000", "").split("**")):
        if part:
            p.add_run(part).bold = bold or k % 2 == 1
    return p


def _toc(document, entries: list[tuple[int, str]], pages: dict[str, int]) -> None:
    p = document.add_paragraph("目  录")
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.first_line_indent = Pt(0)
    p.runs[0].bold = True
    first = document.add_paragraph(style="toc 1")
    _field_begin = OxmlElement("w:fldChar")
    _field_begin.set(qn("w:fldCharType"), "begin")
    first.add_run()._r.append(_field_begin)
    it = OxmlElement("w:instrText")
    it.set(qn("xml:space"), "preserve")
    it.text = ' TOC \\o "1-2" \\h '
    first.add_run()._r.append(it)
    sep = OxmlElement("w:fldChar")
    sep.set(qn("w:fldCharType"), "separate")
    first.add_run()._r.append(sep)
    for k, (level, text) in enumerate(entries):
        p = first if k == 0 else document.add_paragraph(style=f"toc {level}")
        p.style = document.styles[f"toc {level}"]
        p.add_run(f"{text}\t{pages.get(text, 1)}")
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    document.paragraphs[-1].add_run()._r.append(end)
    document.paragraphs[-1].add_run().add_break(WD_BREAK.PAGE)


def _grid(rows: list[list[str]]) -> list[list[str]]:
    width = max(len(r) for r in rows)
    return [r + [""] * (width - len(r)) for r in rows]


def _table(document, caption: list[str], rows: list[list[str]], layout: Layout) -> None:
    """A ruled indicator table: category and note rows span the table; optional two-line header."""
    for line in caption:
        p = document.add_paragraph(line)
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.first_line_indent = Pt(0)
        p.runs[0].bold = True
    rows = _grid(rows)
    n_head = 0
    while n_head < len(rows) and _is_header(rows[n_head]):
        n_head += 1
    group = []
    if layout.two_line_header and n_head == 1:
        group = [i for i, h in enumerate(rows[0]) if _GROUP_COLUMN.search(h)]
        if len(group) >= 2 and group == list(range(group[0], group[-1] + 1)):
            period = "“十三五”" if any("2015" in h for h in rows[0]) else "“十四五”"
            rows.insert(0, [f"{period}时期" if i in group else h for i, h in enumerate(rows[0])])
            rows[1] = [h if i in group else "" for i, h in enumerate(rows[1])]
            n_head = 2
        else:
            group = []
    width = len(rows[0])
    table = document.add_table(rows=len(rows), cols=width)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _ruled(table)
    for r, cells in enumerate(rows):
        for c, value in enumerate(cells):
            cell = table.cell(r, c)
            cell.paragraphs[0].style = document.styles["Table Text"]
            if value:
                cell.paragraphs[0].add_run(value).bold = r < n_head
    # header cells left empty under a filled one are merged vertically
    for r in range(1, n_head):
        for c in range(width):
            if not rows[r][c] and rows[r - 1][c]:
                table.cell(r - 1, c).merge(table.cell(r, c))
    if group:
        table.cell(0, group[0]).merge(table.cell(0, group[-1]))
        table.cell(0, group[0]).paragraphs[0].runs[0].text = rows[0][group[0]]
        for extra in table.cell(0, group[0]).paragraphs[1:]:
            extra._p.getparent().remove(extra._p)
    # category rows (一、就业) and notes span the table from their last filled cell
    for r in range(n_head, len(rows)):
        filled = [c for c, v in enumerate(rows[r]) if v]
        if filled and filled[-1] < width - 1 and (len(filled) <= 2 and filled[-1] <= 1):
            keep = table.cell(r, filled[-1]).merge(table.cell(r, width - 1))
            for extra in keep.paragraphs[1:]:
                extra._p.getparent().remove(extra._p)
    document.add_paragraph()


def _box(document, title: str, paragraphs: list[str], layout: Layout) -> None:
    """A 专栏 box: a single-cell ruled table, title centred in bold, item titles bold."""
    table = document.add_table(rows=1, cols=1)
    _ruled(table)
    cell = table.cell(0, 0)
    head = cell.paragraphs[0]
    head.add_run(title).bold = True
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    head.paragraph_format.first_line_indent = Pt(0)
    for raw in paragraphs:
        item = bool(COLUMN_ITEM_2D.match(raw) or ITEM_NUMBER.match(raw)) and len(raw) <= 40
        _rich_paragraph(cell, raw, bold=item)
    document.add_paragraph()


# ---------------------------------------------------------------- one plan

def build_docx(text: str, title: str, layout: Layout, pages: dict[str, int]) -> Document:
    """The plan as a published Word document."""
    lines = read_lines(text)
    style = _heading_style(lines)
    blocks, chapters = _segment(lines, style)
    document = Document()
    _styles(document, layout)
    _page(document, layout, title)
    if layout.auto_numbering:
        _numbering(document, style)
    document.add_paragraph(title, style="Title")
    document.paragraphs[-1].add_run().add_break(WD_BREAK.PAGE)
    entries = []
    for c in chapters:
        entries.append((1, c.title))
        entries += [(2, s.title) for s in c.sections]
    _toc(document, entries, pages)

    headings = sorted([(c.line, 1, c.title) for c in chapters]
                      + [(s.line, 2, s.title) for c in chapters for s in c.sections])
    events = [(h[0], "heading", h) for h in headings]
    events += [((b.head or b.lines)[0].number, "block", b) for b in blocks if b.head or b.lines]
    preface_done = False
    for _, kind, item in sorted(events, key=lambda e: (e[0], e[1] == "block")):
        if kind == "heading":
            _heading(document, item[2], item[1], layout)
            continue
        b = item
        if b.chapter == "前言" and not preface_done:
            preface_done = True
            p = document.add_paragraph("前  言", style="Heading 1")
            if layout.auto_numbering:
                _no_numbering(p)
        if b.kind == "table":
            rows = [cells for _, _, cells in table_rows(b.lines)]
            _table(document, [l.text for l in b.head], rows, layout)
        elif b.kind == "column":
            _box(document, b.title, [p.raw for p in _paragraphs(b.lines)], layout)
        else:
            for p in _paragraphs(b.lines):
                if "".join(p.text.split()) != "".join(title.split()):     # the title page has it
                    _rich_paragraph(document, p.raw)
    return document


def to_pdf(docx: Path, out_dir: Path, profile: Path) -> Path:
    """Print a .docx to PDF with LibreOffice."""
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(out_dir), str(docx)],
                   check=True, capture_output=True, timeout=600)
    return out_dir / (docx.stem + ".pdf")


def heading_pages(pdf: Path, headings: list[str]) -> dict[str, int]:
    """Printed page number of each heading (first occurrence after the table of contents)."""
    import pdfplumber

    found: dict[str, int] = {}
    with pdfplumber.open(pdf) as doc:
        texts = ["".join((page.extract_text() or "").split()) for page in doc.pages]
    start = 2
    for h in headings:
        key = "".join(h.split())
        for n in range(start, len(texts)):
            if key in texts[n]:
                found[h] = n + 1
                start = n
                break
    return found


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--plans", default="")
    ap.add_argument("--layouts", default=",".join(LAYOUTS))
    args = ap.parse_args(argv)
    if not shutil.which("soffice"):
        print("make_fixtures: soffice (LibreOffice) is missing; run `make fixtures`", file=sys.stderr)
        return 1
    plans = read_manifest(config.ROOT / "corpus" / "plans.toml")
    wanted = [p for p in plans if not args.plans or p.id in args.plans.split(",")]
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="renshe-fixtures-") as tmp:
        tmp = Path(tmp)
        for info in wanted:
            text = (config.ROOT / "corpus" / "plans" / info.file).read_text(encoding="utf-8")
            lines = read_lines(text)
            _, chapters = _segment(lines, _heading_style(lines))
            titles = [t for c in chapters for t in [c.title] + [s.title for s in c.sections]]
            for name in args.layouts.split(","):
                layout = LAYOUTS[name]
                stem = f"{info.id}-{name}"
                draft = tmp / f"{stem}.docx"
                build_docx(text, info.title, layout, {}).save(draft)
                pages = heading_pages(to_pdf(draft, tmp, tmp / "profile"), titles)
                final = OUT_DIR / f"{stem}.docx"
                build_docx(text, info.title, layout, pages).save(final)
                pdf = to_pdf(final, OUT_DIR, tmp / "profile")
                print(f"{final.relative_to(config.ROOT)}  {pdf.relative_to(config.ROOT)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
