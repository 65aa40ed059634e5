"""The structure report of an imported plan: what the parser understood, and warnings in Chinese."""
from __future__ import annotations

from dataclasses import dataclass, field

from corpus.lines import TABLE_CAPTION, read_lines
from corpus.model import Plan
from corpus.tables import table_period


@dataclass
class StructureReport:
    chapters: int
    sections: int
    measures: int
    columns: int                # 专栏 boxes
    indicators_14th: int
    indicators_13th: int
    chunks: int
    pages: int = 0              # PDF pages read
    warnings: list[str] = field(default_factory=list)

    def rows(self) -> list[tuple[str, int]]:
        """(Chinese label, count) pairs, in reading order."""
        out = [("章", self.chapters), ("节", self.sections), ("举措", self.measures), ("专栏", self.columns),
               ("“十四五”指标行", self.indicators_14th), ("“十三五”指标行", self.indicators_13th),
               ("检索段落", self.chunks)]
        return out + ([("PDF 页数", self.pages)] if self.pages else [])

    def summary(self) -> str:
        """One line: 10 章 · 45 节 · …"""
        return " · ".join(f"{n} {label}" if label in ("章", "节") else f"{label} {n}" for label, n in self.rows())


def structure_report(plan: Plan, text: str, import_warnings: list[str], pages: int = 0) -> StructureReport:
    """Count what was understood in a parsed plan and warn about what was not."""
    warnings = list(import_warnings) + list(plan.warnings)
    captions = [ln.text for ln in read_lines(text) if TABLE_CAPTION.match(ln.text) and table_period(ln.text)]
    periods = {i.period for i in plan.indicators}
    for cap in captions:
        if table_period(cap) not in periods:
            warnings.append(f"表格未识别：“{cap[:30]}”中未读出指标行")
    if plan.chapters and not any(i.period == "14th" for i in plan.indicators) and not captions:
        warnings.append("未找到“十四五”主要指标表")
    if plan.chapters and not any(c.sections for c in plan.chapters):
        warnings.append("各章均未识别出小节")
    return StructureReport(
        chapters=len(plan.chapters),
        sections=sum(len(c.sections) for c in plan.chapters),
        measures=sum(c.kind == "measure" for c in plan.chunks),
        columns=len({tuple(c.heading_path) for c in plan.chunks if c.kind == "column"}),
        indicators_14th=sum(i.period == "14th" for i in plan.indicators),
        indicators_13th=sum(i.period == "13th" for i in plan.indicators),
        chunks=len(plan.chunks), pages=pages, warnings=warnings)
