"""Side by side: the best measures of every plan on one theme, with a match / weak / none status.

The status of a plan is read off its best passage with two absolute signals that
do not depend on how many plans are searched:
- coverage: the IDF-weighted share of the theme's own terms found in the passage
  (search.coverage; thesaurus forms count for their group), and
- similarity: cosine between the theme and the passage embeddings.
Thresholds live in config (COMPARE_*) and were calibrated on the dev set
(scripts/calibrate_compare.py); there are no per-plan or per-query rules.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import config
from corpus.manifest import read_manifest
from search.engine import Hit, SearchEngine

MEASURE_KINDS = ("measure", "column")
STATUS_LABELS = {"match": "有相关措施", "weak": "仅有提及", "none": "未涉及"}


@dataclass
class PlanColumn:
    plan_id: str
    plan_title: str
    level: str
    parent: str
    status: str
    hits: list[Hit] = field(default_factory=list)
    coverage: float = 0.0
    similarity: float = 0.0

    def to_dict(self) -> dict:
        return {"plan_id": self.plan_id, "plan_title": self.plan_title, "level": self.level,
                "parent": self.parent or None, "status": self.status,
                "status_label": STATUS_LABELS[self.status],
                "coverage": round(self.coverage, 3), "similarity": round(self.similarity, 3),
                "hits": [h.to_dict() for h in self.hits]}


@dataclass
class Comparison:
    query: str
    plans: list[PlanColumn]

    def to_dict(self) -> dict:
        return {"query": self.query, "plans": [p.to_dict() for p in self.plans]}


def hierarchy_order(plans: list[dict]) -> list[dict]:
    """Provinces first, each followed by its cities; plans without a parent in the corpus last.

    `plans` are dicts with plan_id, level and parent (manifest order is kept within a level).
    """
    ids = {p["plan_id"] for p in plans}
    by_parent: dict[str, list[dict]] = {}
    for p in plans:
        by_parent.setdefault(p["parent"] if p["parent"] in ids else "", []).append(p)
    out: list[dict] = []

    def visit(p: dict) -> None:
        out.append(p)
        for child in sorted(by_parent.get(p["plan_id"], []), key=lambda c: config.LEVELS.index(c["level"])
                            if c["level"] in config.LEVELS else len(config.LEVELS)):
            visit(child)

    roots = by_parent.get("", [])
    for root in [r for r in roots if r["level"] == "province"] + [r for r in roots if r["level"] != "province"]:
        visit(root)
    return out


def families(columns: list[PlanColumn]) -> list[list[PlanColumn]]:
    """Columns in hierarchy order cut into families: each plan whose parent is not among the
    columns (a province, or a city whose province is not compared) with the plans below it."""
    ids = {c.plan_id for c in columns}
    out: list[list[PlanColumn]] = []
    for c in columns:
        if c.parent not in ids or not out:
            out.append([])
        out[-1].append(c)
    return out


def status_for(cov: float, sim: float) -> str:
    """match / weak / none from coverage and similarity (thresholds calibrated on the dev set)."""
    if cov >= config.COMPARE_MATCH_COVERAGE or sim >= config.COMPARE_MATCH_SIMILARITY:
        return "match"
    if cov >= config.COMPARE_WEAK_COVERAGE or sim >= config.COMPARE_WEAK_SIMILARITY:
        return "weak"
    return "none"


class Comparer:
    """Runs side-by-side comparisons on a loaded SearchEngine."""

    def __init__(self, engine: SearchEngine, manifest_path: Path | None = None):
        """Compare the plans present in the engine's index, described by the manifest."""
        self.engine = engine
        indexed = set(engine.plan_ids)
        self.plans = hierarchy_order([
            {"plan_id": i.id, "plan_title": i.title, "level": i.level, "parent": i.parent}
            for i in read_manifest(Path(manifest_path or config.MANIFEST_PATH)) if i.id in indexed])

    def roots(self) -> list[str]:
        """Plans without a parent in the corpus (provinces first), in hierarchy order."""
        ids = {p["plan_id"] for p in self.plans}
        return [p["plan_id"] for p in self.plans if p["parent"] not in ids]

    def family(self, plan_ids) -> list[str]:
        """The given plans and every plan below them (cities, then their counties), in hierarchy order."""
        chosen = set(plan_ids)
        for p in self.plans:   # hierarchy order: a parent always comes before its children
            if p["parent"] in chosen:
                chosen.add(p["plan_id"])
        return [p["plan_id"] for p in self.plans if p["plan_id"] in chosen]

    def compare(self, theme: str, top: int = 3, mode: str = "hybrid", plans=None) -> Comparison:
        """The best passages of every plan on a theme (or of the plans given), in hierarchy order,
        with statuses."""
        qa = self.engine.analyse(theme)
        qvec, vectors = qa.vectors[self.engine.similarity_leg], self.engine.vectors
        wanted = None if plans is None else set(plans)
        columns = []
        for p in (p for p in self.plans if wanted is None or p["plan_id"] in wanted):
            pool = self.engine.search(qa, mode=mode, top=config.COMPARE_POOL, plans=[p["plan_id"]]).hits
            covs = qa.coverage([" ".join(h.heading_path[-1:]) + h.text for h in pool])
            scored = []
            for rank, (h, cov) in enumerate(zip(pool, covs)):
                sim = float(vectors[self.engine.row[h.chunk_id]] @ qvec)
                key = (config.COMPARE_RERANK_COVERAGE * cov + config.COMPARE_RERANK_SIMILARITY * sim
                       + 1.0 / (rank + 1) + (config.COMPARE_MEASURE_BONUS if h.kind in MEASURE_KINDS else 0.0))
                scored.append((key, cov, sim, h))
            scored.sort(key=lambda x: -x[0])
            hits = [h for *_, h in scored[:top]]
            cov, sim = (scored[0][1], scored[0][2]) if scored else (0.0, 0.0)
            status = status_for(cov, sim) if hits else "none"
            columns.append(PlanColumn(p["plan_id"], p["plan_title"], p["level"], p["parent"],
                                      status, hits, cov, sim))
        return Comparison(theme, columns)
