"""Parse a plan's text into its outline, task-level chunks and indicator records.

The exports carry Word bookmark tags, tables of contents, flattened tables,
专栏 boxes and paragraphs cut at page breaks; this module reads exactly that.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from corpus.lines import (
    CHAPTER_DUN, CHAPTER_ZHANG, COLUMN_ITEM_2D, COLUMN_TITLE, ITEM_NUMBER, ITEM_PAREN,
    PREFACE, SECTION_JIE, SECTION_PAREN, TABLE_CAPTION, TOC_ENTRY, TOC_TITLE,
    Line, bold_lead, ends_sentence, read_lines, sentence_lead,
)
from corpus.model import Chapter, Chunk, Indicator, Plan, PlanInfo, Section
from corpus.tables import parse_table, table_period

_REVIEW = re.compile(r"基础|形势|环境|成效|机遇|挑战|背景|回顾")
_PLAN = re.compile(r"指导|目标|任务|原则|思想|要求")
_GOALS = re.compile(r"指导思想|基本原则|主要目标|发展目标|总体目标|总体要求")
_TITLE_MAX = 40


@dataclass
class _Para:
    """A paragraph: consecutive lines joined across page breaks."""
    start: int
    end: int
    text: str
    raw: str


@dataclass
class _Block:
    """A run of the document under one heading context: prose, a column box or a table."""
    kind: str                  # "prose" | "column" | "table"
    chapter: str
    section: str
    title: str = ""            # column or table caption
    head: list[Line] = field(default_factory=list)    # caption / box title lines
    lines: list[Line] = field(default_factory=list)   # body lines


# ---------------------------------------------------------------- headings

def _heading_style(lines: list[Line]) -> str:
    """'zhang' for 第X章/第X节 plans, 'dun' for 一、/（一） plans."""
    return "zhang" if any(CHAPTER_ZHANG.match(l.text) for l in lines if not l.tabbed) else "dun"


def _short_title(text: str) -> bool:
    return len(text) <= _TITLE_MAX and "。" not in text


def _chapter(line: Line, style: str) -> bool:
    if line.tabbed:
        return False
    if style == "zhang":
        return bool(CHAPTER_ZHANG.match(line.text))
    return bool(CHAPTER_DUN.match(line.text)) and _short_title(line.text)


def _section(line: Line, style: str) -> bool:
    if line.tabbed:
        return False
    if style == "zhang":
        return bool(SECTION_JIE.match(line.text))
    return bool(SECTION_PAREN.match(line.text)) and _short_title(line.text)


def _heading_text(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _item_number(text: str) -> int | None:
    m = ITEM_NUMBER.match(text) or ITEM_PAREN.match(text)
    return int(m.group(1)) if m else None


def _title_like(text: str) -> bool:
    """A short line that names an item rather than continuing a sentence."""
    return len(text) <= 20 and not re.search(r"[，、,]", text)


# ---------------------------------------------------------------- segmentation

def _skip_toc(lines: list[Line], i: int) -> int:
    """Index of the first line after a table of contents starting at i."""
    j = i + 1
    while j < len(lines) and (lines[j].blank or TOC_ENTRY.search(lines[j].raw)):
        j += 1
    return j


def _table_end(lines: list[Line], i: int, style: str) -> int:
    """Index of the first line after a table region starting at i (below its caption)."""
    j = i
    while j < len(lines):
        ln = lines[j]
        if ln.blank or ln.tabbed:
            j += 1
        elif len(ln.text) <= 8 and not (_chapter(ln, style) or _section(ln, style)):
            j += 1
        else:
            break
    return j


def _caption_end(lines: list[Line], i: int) -> int:
    """A caption may wrap onto short untabbed lines before the table body starts."""
    j = i + 1
    while j < len(lines) and not lines[j].tabbed and not lines[j].blank and len(lines[j].text) < 20:
        j += 1
    return j


def _segment(lines: list[Line], style: str) -> tuple[list[_Block], list[Chapter]]:
    """Split the document into blocks under their chapter/section and collect the outline."""
    blocks: list[_Block] = []
    chapters: list[Chapter] = []
    chapter = section = ""
    main_last = 0               # last numbered item of the running text (ends 专栏 boxes)
    col_last = 0
    cur: _Block | None = None
    opening = True              # the document's first text line (its title) stands alone

    def start(kind: str, title: str = "") -> _Block:
        b = _Block(kind, chapter, section, title)
        blocks.append(b)
        return b

    i = 0
    while i < len(lines):
        ln = lines[i]
        text = ln.text
        if TOC_TITLE.match(text):
            i = _skip_toc(lines, i)
            cur = None
            continue
        if _chapter(ln, style):
            chapter, section, main_last = _heading_text(text), "", 0
            chapters.append(Chapter(chapter, ln.number))
            cur = None
        elif _section(ln, style) and chapters:
            section, main_last = _heading_text(text), 0
            chapters[-1].sections.append(Section(section, ln.number))
            cur = None
        elif PREFACE.match(text):
            chapter, section = "前言", ""
            cur = None
        elif TABLE_CAPTION.match(text) and table_period(
                " ".join(l.text for l in lines[i:_caption_end(lines, i)])):
            cap_end = _caption_end(lines, i)
            caption = "".join(l.text for l in lines[i:cap_end])
            end = _table_end(lines, cap_end, style)
            b = start("table", caption)
            b.head, b.lines = lines[i:cap_end], lines[cap_end:end]
            i, cur = end, None
            continue
        elif COLUMN_TITLE.match(text):
            cur, col_last = start("column", _heading_text(text)), 0
            cur.head = [ln]
        elif not ln.blank:
            n = _item_number(text)
            if cur is not None and cur.kind == "column":
                if n is not None and n == main_last + 1 and n != col_last + 1:
                    cur = None          # the running text resumes after the box
                elif n is not None:
                    col_last = n
            if cur is None:
                cur = start("prose")
            if cur.kind == "prose" and n is not None:
                main_last = n
            cur.lines.append(ln)
            if opening and not blocks[:-1] and not chapters and not ends_sentence(text):
                cur = None
        if not ln.blank:
            opening = False
        i += 1
    return blocks, chapters


# ---------------------------------------------------------------- paragraphs

def _starts_unit(ln: Line) -> bool:
    """True when a line opens a new paragraph-level unit (never a continuation)."""
    t = ln.text
    return bool(ITEM_NUMBER.match(t) or ITEM_PAREN.match(t) or SECTION_PAREN.match(t)
                or COLUMN_ITEM_2D.match(t) or COLUMN_TITLE.match(t) or t.startswith("——"))


def _paragraphs(lines: list[Line]) -> list[_Para]:
    """Join lines cut by page breaks: a line that ends mid-sentence continues on the next."""
    paras: list[_Para] = []
    for ln in lines:
        if ln.blank:
            continue
        prev = paras[-1] if paras else None
        if (prev is not None and not ends_sentence(prev.text) and not _title_like(prev.text)
                and not _starts_unit(ln) and not _is_title_only(prev.text)):
            prev.end, prev.text, prev.raw = ln.number, prev.text + ln.text, prev.raw + ln.raw.strip()
        else:
            paras.append(_Para(ln.number, ln.number, ln.text, ln.raw.strip()))
    return paras


def _is_title_only(text: str) -> bool:
    """A numbered item line with only a title (1.健全就业优先政策体系), or a column item title."""
    if COLUMN_ITEM_2D.match(text) and _short_title(text):
        return True
    return _item_number(text) is not None and len(text) <= _TITLE_MAX and not ends_sentence(text)


def _lead_of(para: _Para) -> str:
    lead = bold_lead(para.raw)
    if lead:
        return lead.rstrip("。")
    body = ITEM_NUMBER.sub(r"\2", para.text, count=1) if ITEM_NUMBER.match(para.text) else para.text
    body = re.sub(r"^[（(][\d一二三四五六七八九十]+[）)]\s*", "", body)
    return sentence_lead(body)


def _group(paras: list[_Para]) -> list[tuple[str, list[_Para]]]:
    """Group paragraphs into task-level units: a title-only item owns what follows it."""
    groups: list[tuple[str, list[_Para]]] = []
    open_title = False
    for p in paras:
        if _is_title_only(p.text):
            title = COLUMN_ITEM_2D.sub(r"\2", p.text) if COLUMN_ITEM_2D.match(p.text) else p.text
            title = ITEM_NUMBER.sub(r"\2", title) if ITEM_NUMBER.match(title) else title
            groups.append((title.strip(), [p]))
            open_title = True
        elif open_title and _item_number(p.text) is None and not p.text.startswith("——"):
            groups[-1][1].append(p)
        else:
            groups.append((_lead_of(p), [p]))
            open_title = False
    return groups


# ---------------------------------------------------------------- chunks

def _phase(chapter: str, section: str, first_chapter: str) -> str:
    """'review' for the 十三五 achievements/situation part of the first chapter, else 'plan'."""
    if not chapter or chapter != first_chapter:
        return "plan"
    title = section or chapter
    return "review" if _REVIEW.search(title) and not _PLAN.search(title) else "plan"


def _chunk_id(plan_id: str, kind: str, path: list[str], text: str, seen: set[str]) -> str:
    digest = hashlib.sha1("\x1f".join([kind, *path, text]).encode("utf-8")).hexdigest()[:10]
    cid, k = f"{plan_id}-{digest}", 1
    while cid in seen:
        k += 1
        cid = f"{plan_id}-{digest}-{k}"
    seen.add(cid)
    return cid


def _prose_kind(block: _Block, phase: str, is_intro: bool) -> str:
    if phase == "review" or is_intro or not block.chapter or block.chapter == "前言":
        return "text"
    if _GOALS.search(block.section or block.chapter):
        return "text"
    return "measure"


def _indicator_text(ind: Indicator) -> str:
    """The row as a sentence that keeps the name cell as written (with number and unit)."""
    unit = f"（{ind.unit}）" if ind.unit and ind.unit not in ind.label else ""
    when = ("2015年", "2020年完成") if ind.period == "13th" else ("2020年", "2025年目标")
    values = [f"{when[0]} {ind.base or '—'}", f"{when[1]} {ind.target or '—'}"]
    if ind.attribute:
        values.append(ind.attribute)
    return f"{ind.label}{unit}：" + "，".join(values)


def parse_plan(info: PlanInfo, text: str) -> Plan:
    """Parse a plan's full text (as shipped) into a Plan with outline, chunks and indicators."""
    lines = read_lines(text)
    style = _heading_style(lines)
    blocks, chapters = _segment(lines, style)
    chunks: list[Chunk] = []
    indicators: list[Indicator] = []
    seen: set[str] = set()
    sectioned = {c.title for c in chapters if c.sections}

    def add(kind: str, phase: str, path: list[str], lead: str, body: str, start: int, end: int):
        path = [p for p in path if p]
        chunks.append(Chunk(_chunk_id(info.id, kind, path, body, seen), info.id, kind, phase,
                            path, lead, body, start, end))

    for b in blocks:
        path = [b.chapter, b.section]
        phase = _phase(b.chapter, b.section, chapters[0].title if chapters else "")
        if b.kind == "table":
            period = table_period(b.title)
            rows = parse_table(info.id, b.title, b.lines)
            indicators.extend(rows)
            t_phase = "review" if period == "13th" else "plan"
            row_lines = {n for r in rows for n in range(r.line, r.line_end + 1)}
            rest = [l for l in b.head + b.lines if not l.blank and l.number not in row_lines]
            add("text", t_phase, path + [b.title], "", "\n".join(l.text for l in rest),
                b.head[0].number, (b.lines or b.head)[-1].number)
            for r in rows:
                add("indicator", t_phase, path + [b.title, r.category], r.name,
                    _indicator_text(r), r.line, r.line_end)
            continue
        if b.kind == "column":
            head = b.head[0]
            groups = _group(_paragraphs(b.lines))
            if not groups:
                add("column", phase, path + [b.title], "", b.title, head.number, head.number)
            for lead, paras in groups:
                add("column", phase, path + [b.title], lead, "\n".join(p.text for p in paras),
                    paras[0].start, paras[-1].end)
            continue
        for lead, paras in _group(_paragraphs(b.lines)):
            is_intro = not b.section and b.chapter in sectioned
            add(_prose_kind(b, phase, is_intro), phase, path, lead,
                "\n".join(p.text for p in paras), paras[0].start, paras[-1].end)
    warnings = [] if chapters else ["未识别到章节标题，按无结构文本载入 / no headings found: loaded as a flat plan"]
    return Plan(info=info, chapters=chapters, chunks=chunks, indicators=indicators, warnings=warnings)
