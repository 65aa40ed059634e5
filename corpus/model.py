"""The one data model shared by every layer: plans, their outline, chunks and indicators."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Optional

CHUNK_KINDS = ("measure", "column", "indicator", "text")
PHASES = ("review", "plan")


@dataclass(frozen=True)
class PlanInfo:
    """A manifest entry: what the corpus knows about a plan before parsing it."""
    id: str
    title: str
    region: str
    level: str
    parent: str = ""          # id of the parent plan in the corpus, or ""
    parent_name: str = ""     # name of the parent jurisdiction (may be outside the corpus)
    issuer: str = ""
    date: str = ""
    doc_number: str = ""
    file: str = ""


@dataclass
class Chunk:
    """One retrievable unit: a measure, a 专栏 box item, an indicator row or other prose."""
    chunk_id: str
    plan_id: str
    kind: str                 # one of CHUNK_KINDS
    phase: str                # "review" (十三五 achievements, situation) or "plan"
    heading_path: list[str]   # [chapter, section, (column title)]
    lead: str                 # bold-style lead sentence / item title, or ""
    text: str                 # cleaned text, page breaks rejoined
    line_start: int           # 1-based line numbers in the plan file as shipped
    line_end: int

    def to_dict(self) -> dict:
        """The chunk as a JSON-able dict (field by field: dataclasses.asdict's deep copy costs
        seconds over a national corpus)."""
        out = {name: getattr(self, name) for name in _CHUNK_FIELDS}
        out["heading_path"] = list(self.heading_path)
        return out


_CHUNK_FIELDS = tuple(f.name for f in fields(Chunk))


@dataclass
class Indicator:
    """One row of an indicator table (十三五 results or 十四五 targets)."""
    plan_id: str
    period: str               # "13th" or "14th"
    category: str             # e.g. 就业促进
    number: str               # row number as written
    name: str
    label: str                # the row's name cell as written (with its number and unit)
    unit: str
    base: str                 # value at the start of the period, as written
    target: str               # value at the end of the period (target or result), as written
    attribute: str            # 预期性 / 约束性 / ""
    line: int                 # first line of the row in the plan file
    line_end: int = 0         # last line of the row (cell-per-line tables span several)
    target_value: Optional[float] = None
    target_comparator: str = ""  # one of ≤ < ≥ > = or ""
    base_value: Optional[float] = None
    cumulative: bool = False     # [..] 〔..〕 or /五年: a five-year cumulative figure

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Section:
    title: str
    line: int


@dataclass
class Chapter:
    title: str
    line: int
    sections: list[Section] = field(default_factory=list)


@dataclass
class Plan:
    """A parsed plan: manifest info, outline, chunks and indicators."""
    info: PlanInfo
    chapters: list[Chapter]
    chunks: list[Chunk]
    indicators: list[Indicator]
    warnings: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.info.id

    def to_dict(self) -> dict:
        """The whole parsed plan as a JSON-able dict (the inverse of from_dict)."""
        return {"info": asdict(self.info), "chapters": [asdict(c) for c in self.chapters],
                "chunks": [c.to_dict() for c in self.chunks], "indicators": [asdict(i) for i in self.indicators],
                "warnings": list(self.warnings)}

    @classmethod
    def from_dict(cls, d: dict) -> "Plan":
        """A plan from to_dict's output."""
        return cls(info=PlanInfo(**d["info"]),
                   chapters=[Chapter(**{**c, "sections": [Section(**s) for s in c["sections"]]})
                             for c in d["chapters"]],
                   chunks=[Chunk(**c) for c in d["chunks"]],
                   indicators=[Indicator(**i) for i in d["indicators"]], warnings=list(d["warnings"]))

    def outline(self) -> dict:
        """The plan's outline in the `corpus outline --json` shape."""
        return {
            "plan_id": self.info.id,
            "title": self.info.title,
            "level": self.info.level,
            "parent": self.info.parent or None,
            "chapters": [
                {"title": c.title, "sections": [{"title": s.title} for s in c.sections]}
                for c in self.chapters
            ],
        }
