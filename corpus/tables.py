"""Indicator tables: turn a table region of a plan into Indicator records.

Two layouts occur in the exports: one row per line with tab-separated cells
(fujian, jinjiang) and one cell per tab-indented line, rows separated by blank
lines (xiamen, hainan, ezhou). Both are normalised to rows of cells first.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Optional

from corpus.lines import Line
from corpus.model import Indicator

_CN_NUM = "一二三四五六七八九十"
_CATEGORY = re.compile(rf"^([（(])?[{_CN_NUM}]+[）)、]?\s*(.*)$")
_NUMBERED_NAME = re.compile(r"^(\d{1,2})\s*[\.．、]\s*(.+)$")
_UNIT_SUFFIX = re.compile(r"^(.*?)\s*[（(]([^（()）]{1,8})[）)]\s*$")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def table_period(caption: str) -> Optional[str]:
    """'14th' or '13th' for an indicator table caption, None for any other box."""
    if "指标" not in caption:
        return None
    if "十四五" in caption:
        return "14th"
    if "十三五" in caption:
        return "13th"
    return None


def table_rows(lines: list[Line]) -> list[tuple[int, int, list[str]]]:
    """Rows of cells, each with its first and last line number, from a table region."""
    rows: list[tuple[int, int, list[str]]] = []
    current: list[str] = []
    start = last = 0
    for ln in lines:
        raw = ln.raw
        if not raw.strip(" \u3000"):
            if current:
                rows.append((start, last, current))
                current = []
            continue
        if "\t" in raw.strip("\t"):       # one row per line, tab-separated cells
            if current:
                rows.append((start, last, current))
                current = []
            rows.append((ln.number, ln.number, [c.strip() for c in raw.split("\t")]))
        elif raw.startswith("\t"):         # one cell per line, rows end at a blank line
            if not current:
                start = ln.number
            current.append(raw.strip())
            last = ln.number
        elif current:
            # a header cell wrapped onto an untabbed line ("“十三五”" / "目标")
            current[-1] = current[-1] + raw.strip()
            last = ln.number
        else:
            rows.append((ln.number, ln.number, [raw.strip()]))
    if current:
        rows.append((start, last, current))
    return rows


def _norm(s: str) -> str:
    return "".join(unicodedata.normalize("NFKC", s).split())


def parse_value(value: str) -> tuple[Optional[float], str, bool]:
    """Numeric value, comparator (≤ < ≥ > = or '') and five-year-cumulative flag of a cell."""
    v = _norm(value)
    cumulative = bool(re.search(r"[\[〔].*[\]〕]", v)) or "/五年" in v
    head = v.lstrip("[〔")[:1]
    comparator = head if head and head in "≤<≥>" else ""
    if not comparator:
        if "以上" in v or "不低于" in v:
            comparator = "≥"
        elif "以内" in v or "以下" in v or "不超过" in v:
            comparator = "≤"
    if ":" in v:                      # ratios like 10:40:50 are not one number
        return None, "", cumulative
    m = _NUMBER.search(v)
    if not m:
        return None, "", cumulative
    return float(m.group()), comparator or "=", cumulative


def _column_roles(header: list[list[str]], period: str) -> dict[str, int]:
    """Map roles (number, name, unit, base, target, attribute) to column indexes."""
    width = max(len(r) for r in header)
    merged = ["".join(_norm(r[i]) if i < len(r) else "" for r in header) for i in range(width)]
    roles: dict[str, int] = {}
    for i, h in enumerate(merged):
        if "序号" in h:
            roles.setdefault("number", i)
        elif "指标" in h:
            roles.setdefault("name", i)
        elif "单位" in h:
            roles.setdefault("unit", i)
        elif "属性" in h:
            roles.setdefault("attribute", i)
        elif period == "14th" and ("2025" in h or "目标" in h and "十三五" not in h):
            roles.setdefault("target", i)
        elif period == "14th" and ("2020" in h or h == "基数" or "基数" in h and "十三五" not in h):
            roles.setdefault("base", i)
        elif period == "13th" and ("完成" in h or "实际" in h):
            roles.setdefault("target", i)
        elif period == "13th" and ("2015" in h or "基数" in h):
            roles.setdefault("base", i)
    roles.setdefault("name", 0)
    return roles


def _is_header(cells: list[str]) -> bool:
    joined = _norm("".join(cells))
    return any(k in joined for k in ("指标", "序号", "属性", "基数", "目标", "实际", "完成数", "单位")) \
        and not any(re.search(r"\d+\.\d|^\d+$", _norm(c)) for c in cells[1:] if c)


def parse_table(plan_id: str, caption: str, lines: list[Line]) -> list[Indicator]:
    """Indicator records of one table region (caption line excluded)."""
    period = table_period(caption)
    if period is None:
        return []
    rows = table_rows(lines)
    header: list[list[str]] = []
    body_start = 0
    for k, (_, _, cells) in enumerate(rows):
        if _is_header(cells) and not any(c.startswith("注") for c in cells):
            header.append(cells)
            body_start = k + 1
        elif header:
            break
    if not header:
        return []
    roles = _column_roles(header, period)
    out: list[Indicator] = []
    category = ""
    for line_no, line_end, cells in rows[body_start:]:
        cells = [c for c in cells] + [""] * 8
        first = _norm(cells[0])
        if not first and "number" not in roles:
            continue
        if first.startswith("注"):
            continue
        name_cell = cells[roles["name"]].strip()
        number = cells[roles["number"]].strip() if "number" in roles else ""
        values = [cells[roles[r]] for r in ("base", "target", "attribute") if r in roles]
        has_values = any(v.strip() for v in values)
        label = _CATEGORY.match(_norm(number or name_cell))
        if not has_values and label:
            if not label.group(1):            # 一、就业 is a category; （一）参保覆盖面 a sub-heading
                category = _norm(name_cell) if number else label.group(2)
            continue
        if not name_cell or not has_values:
            continue
        label = name_cell if not number else f"{number} {name_cell}"
        if not number:
            m = _NUMBERED_NAME.match(name_cell)
            if m:
                number, name_cell = m.group(1), m.group(2).strip()
        unit = cells[roles["unit"]].strip() if "unit" in roles else ""
        name = name_cell
        m = _UNIT_SUFFIX.match(name_cell)
        if m and (not unit or _norm(m.group(2)) == _norm(unit)):
            name, unit = m.group(1).strip(), unit or m.group(2).strip()
        base = cells[roles["base"]].strip() if "base" in roles else ""
        target = cells[roles["target"]].strip() if "target" in roles else ""
        tv, tc, tcum = parse_value(target)
        bv, _, bcum = parse_value(base)
        out.append(Indicator(
            plan_id=plan_id, period=period, category=category, number=number,
            name=name, label=label, unit=unicodedata.normalize("NFKC", unit), base=base, target=target,
            attribute=cells[roles["attribute"]].strip() if "attribute" in roles else "",
            line=line_no, line_end=line_end, target_value=tv, target_comparator=tc if tv is not None else "",
            base_value=bv, cumulative=tcum or bcum,
        ))
    return out
