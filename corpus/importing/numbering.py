"""Word automatic numbering: the label ("第三章", "（二）", "1.") a numbered paragraph shows,
computed from numbering.xml the way Word counts (per list, lower levels restart)."""
from __future__ import annotations

from docx.oxml.ns import qn

_DIGITS = "零一二三四五六七八九"
_TIANGAN = "甲乙丙丁戊己庚辛壬癸"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def chinese_number(n: int) -> str:
    """一, 十, 十一, 二十三, 一百零五 (Word's chineseCounting)."""
    if n <= 0:
        return str(n)
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _DIGITS[n // 10] + "十" + (_DIGITS[n % 10] if n % 10 else "")
    rest = n % 100
    tail = "" if not rest else ("零" + chinese_number(rest) if rest < 10 else
                                ("一" + chinese_number(rest) if rest < 20 else chinese_number(rest)))
    return _DIGITS[n // 100] + "百" + tail if n < 1000 else str(n)


def _roman(n: int) -> str:
    out = ""
    for value, sym in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                       (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out, n = out + sym, n - value
    return out


def format_number(n: int, fmt: str) -> str:
    """One level's number in a Word numFmt."""
    if fmt in ("chineseCounting", "chineseCountingThousand", "chineseLegalSimplified",
               "taiwaneseCounting", "taiwaneseCountingThousand", "ideographDigital", "japaneseCounting"):
        return chinese_number(n)
    if fmt == "ideographTraditional":
        return _TIANGAN[(n - 1) % 10]
    if fmt == "decimalEnclosedCircle" or fmt == "decimalEnclosedCircleChinese":
        return _CIRCLED[n - 1] if 0 < n <= len(_CIRCLED) else str(n)
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "decimalFullWidth":
        return "".join(chr(ord(d) + 0xFEE0) for d in str(n))
    if fmt in ("upperLetter", "lowerLetter"):
        letter = chr(ord("A") + (n - 1) % 26)
        return letter if fmt == "upperLetter" else letter.lower()
    if fmt in ("upperRoman", "lowerRoman"):
        return _roman(n) if fmt == "upperRoman" else _roman(n).lower()
    return str(n)


def _val(el, tag: str, default: str = "") -> str:
    child = el.find(qn(tag)) if el is not None else None
    return child.get(qn("w:val"), default) if child is not None else default


class Numbering:
    """Counts the numbered paragraphs of one document in reading order."""

    def __init__(self, document):
        self._levels: dict[str, dict[int, dict]] = {}     # numId -> ilvl -> level definition
        self._style_levels: dict[str, tuple[str, int]] = {}
        self._counters: dict[str, dict[int, int]] = {}
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        abstract = {}
        for an in root.findall(qn("w:abstractNum")):
            levels = {}
            for lvl in an.findall(qn("w:lvl")):
                ilvl = int(lvl.get(qn("w:ilvl"), "0"))
                levels[ilvl] = {"start": int(_val(lvl, "w:start", "1") or 1),
                                "fmt": _val(lvl, "w:numFmt", "decimal"),
                                "text": _val(lvl, "w:lvlText", ""),
                                "suff": _val(lvl, "w:suff", "tab"),
                                "style": _val(lvl, "w:pStyle", "")}
            abstract[an.get(qn("w:abstractNumId"))] = levels
        for num in root.findall(qn("w:num")):
            num_id = num.get(qn("w:numId"))
            levels = {k: dict(v) for k, v in abstract.get(_val(num, "w:abstractNumId"), {}).items()}
            for ov in num.findall(qn("w:lvlOverride")):
                ilvl = int(ov.get(qn("w:ilvl"), "0"))
                start = _val(ov, "w:startOverride")
                if start and ilvl in levels:
                    levels[ilvl]["start"] = int(start)
            self._levels[num_id] = levels
            for ilvl, lv in levels.items():
                if lv["style"]:
                    self._style_levels.setdefault(lv["style"], (num_id, ilvl))

    def _num_pr(self, paragraph) -> tuple[str, int] | None:
        ppr = paragraph._p.pPr
        num_pr = ppr.find(qn("w:numPr")) if ppr is not None else None
        style = paragraph.style
        while num_pr is None and style is not None:
            spr = style.element.pPr
            num_pr = spr.find(qn("w:numPr")) if spr is not None else None
            if num_pr is None:
                style = style.base_style
        if num_pr is None:
            return None
        num_id = _val(num_pr, "w:numId")
        ilvl = _val(num_pr, "w:ilvl")
        if not ilvl and style is not None and style.style_id in self._style_levels:
            ilvl = str(self._style_levels[style.style_id][1])
        return (num_id, int(ilvl or 0)) if num_id and num_id != "0" else None

    def label(self, paragraph) -> str:
        """The number a paragraph shows before its text, with its separator, or ''."""
        found = self._num_pr(paragraph)
        if found is None:
            return ""
        num_id, ilvl = found
        levels = self._levels.get(num_id, {})
        level = levels.get(ilvl)
        if level is None or level["fmt"] in ("bullet", "none"):
            return ""
        counters = self._counters.setdefault(num_id, {})
        counters[ilvl] = counters.get(ilvl, level["start"] - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        text = level["text"]
        for k in range(ilvl + 1):
            lv = levels.get(k, {"start": 1, "fmt": "decimal"})
            value = counters.get(k, lv["start"])
            text = text.replace(f"%{k + 1}", format_number(value, lv["fmt"]))
        return text + {"tab": " ", "space": " "}.get(level["suff"], "")
