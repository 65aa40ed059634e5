"""Line-level reading of a plan text: cleaning and classification of single lines.

Pure functions only; the parser combines them into an outline and chunks.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]")
_CN_NUM = "一二三四五六七八九十"

CHAPTER_ZHANG = re.compile(rf"^第[{_CN_NUM}]+章\s*(.*)$")
SECTION_JIE = re.compile(rf"^第[{_CN_NUM}]+节\s*(.*)$")
CHAPTER_DUN = re.compile(rf"^[{_CN_NUM}]+、\s*(.+)$")
SECTION_PAREN = re.compile(rf"^[（(][{_CN_NUM}]+[）)]\s*(.+)$")
ITEM_NUMBER = re.compile(r"^(\d{1,2})\s*[\.．、]\s*(.*)$")   # 1. xxx  /  1、xxx
ITEM_PAREN = re.compile(r"^[（(](\d{1,2})[）)]\s*(.*)$")           # （1）xxx
COLUMN_ITEM_2D = re.compile(r"^(0\d|\d{2})\s+(\S.*)$")             # 01 xxx (fujian boxes)
COLUMN_TITLE = re.compile(r"^专栏\s*(\d+)\s*[：:]?\s*(.*)$")
TABLE_CAPTION = re.compile(r"^(表\s*\d+|专栏\s*\d+)")
TOC_TITLE = re.compile(r"^目\s*录$")
TOC_ENTRY = re.compile(r"(\.{3,}|…{2,})\s*\d*$|\t\s*\d+$")
PREFACE = re.compile(r"^前\s*言$")
BOLD = re.compile(r"\*\*(.+?)\*\*")

# A line that ends with one of these closes its sentence; any other prose line
# was cut by a page break of the PDF/Word export and continues on the next text line.
TERMINAL = tuple("。！？；：…”’）)】》!?;:")


@dataclass(frozen=True)
class Line:
    """One line of the plan file after cleaning."""
    number: int          # 1-based line number in the file as shipped
    raw: str             # the line without bookmark tags
    text: str            # stripped text, bold markers removed

    @property
    def blank(self) -> bool:
        return not self.text

    @property
    def tabbed(self) -> bool:
        """True for table material: a leading tab or tab-separated cells."""
        return "\t" in self.raw


def clean_line(raw: str) -> str:
    """Drop Word bookmark tags and trailing spaces (tabs are table structure and stay)."""
    return _BOOKMARK.sub("", raw).rstrip(" \u3000\r")


def plain(text: str) -> str:
    """Visible text: strip surrounding blanks (incl. full-width) and ** bold markers."""
    return text.replace("**", "").strip(" \t\u3000")


def read_lines(text: str) -> list[Line]:
    """Split a plan text into cleaned lines, keeping 1-based line numbers."""
    out = []
    for i, raw in enumerate(text.split("\n"), start=1):
        cleaned = clean_line(raw.replace("\r", ""))
        out.append(Line(i, cleaned, plain(cleaned)))
    return out


def bold_lead(raw: str) -> str:
    """The bold-marked lead phrase of a paragraph (fujian: ——**稳定和扩大就业成效明显。**), or ''."""
    m = BOLD.search(raw)
    if m and raw.lstrip(" \t\u3000—-").startswith("**"):
        return m.group(1).strip()
    return ""


def sentence_lead(text: str, max_len: int = 30) -> str:
    """A short opening sentence used as a lead phrase (完善创业激励机制。…), or ''."""
    m = re.match(r"^—*([^。！？]{2,%d})[。！？](.+)" % max_len, text)
    return m.group(1).strip() if m else ""


def ends_sentence(text: str) -> bool:
    """True when a prose line ends its sentence (no page-break continuation follows)."""
    return text.endswith(TERMINAL)
