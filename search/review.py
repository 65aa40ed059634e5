"""Consistency review of a city plan against its provincial (parent) plan.

Both directions: every provincial measure with its best city passages and a verdict
(covered / partial / missing), every provincial 十四五 indicator beside the city's,
and the city's own measures with no provincial counterpart (local initiatives).

Passage similarity blends the stored embeddings (meaning) with character n-gram
TF-IDF cosine (shared wording); thresholds live in config (REVIEW_*).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

import config
from corpus.model import Plan
from search.engine import Hit, SearchEngine
from search.indicator_groups import review_indicators
from search.query import QueryError

MEASURE_KINDS = ("measure", "column")


@dataclass
class Review:
    plan: str
    against: str
    measures: list[dict]
    indicators: list[dict]
    local: list[Hit]

    def to_dict(self) -> dict:
        return {"plan": self.plan, "against": self.against, "measures": self.measures,
                "indicators": self.indicators, "local": [h.to_dict() for h in self.local]}

    def summary(self) -> dict:
        """Counts per verdict, for a one-line overview."""
        out = {s: 0 for s in ("covered", "partial", "missing")}
        for m in self.measures:
            out[m["status"]] += 1
        return out


def resolve_parent(plans: dict[str, Plan], plan_id: str, against: str | None) -> str:
    """The plan to review against: --against, else the manifest parent; clear errors otherwise."""
    if plan_id not in plans:
        raise QueryError(f"未知规划 {plan_id!r}（可选：{', '.join(plans)}）(unknown plan id)")
    if against:
        if against not in plans:
            raise QueryError(f"未知规划 {against!r}（可选：{', '.join(plans)}）(unknown plan id)")
        if against == plan_id:
            raise QueryError("不能与自身对照审查 (a plan cannot be reviewed against itself)")
        return against
    info = plans[plan_id].info
    if info.parent and info.parent in plans:
        return info.parent
    missing = info.parent_name or "上级"
    raise QueryError(f"{info.title} 的上级规划（{missing}）不在文库中，请先添加上级规划或用 --against 指定对照规划 "
                     f"(the parent plan of {plan_id} ({missing}) is not in the corpus; add it or pass --against)")


def _verdict(score: float) -> str:
    if score >= config.REVIEW_COVERED:
        return "covered"
    if score >= config.REVIEW_PARTIAL:
        return "partial"
    return "missing"


def similarity_matrix(engine: SearchEngine, rows_a: list[int], rows_b: list[int]) -> np.ndarray:
    """Blend of embedding cosine and character-bigram/trigram TF-IDF cosine between two chunk sets."""
    emb = engine.vectors[rows_a] @ engine.vectors[rows_b].T
    texts = [engine.records[i]["text"] for i in rows_a + rows_b]
    tfidf = TfidfVectorizer(analyzer="char", ngram_range=(2, 3), sublinear_tf=True).fit_transform(texts)
    lex = (tfidf[: len(rows_a)] @ tfidf[len(rows_a):].T).toarray()
    w = config.REVIEW_LEXICAL_WEIGHT
    return (1 - w) * emb + w * lex


def review(engine: SearchEngine, plans: dict[str, Plan], plan_id: str, against: str | None = None,
           top: int = 3) -> Review:
    """Review plan_id against its parent (or `against`): measures, indicators and local initiatives."""
    parent_id = resolve_parent(plans, plan_id, against)
    rec = engine.records
    parent_rows = [i for i, r in enumerate(rec) if r["plan_id"] == parent_id
                   and r["kind"] in MEASURE_KINDS and r["phase"] == "plan"]
    child_rows = [i for i, r in enumerate(rec) if r["plan_id"] == plan_id
                  and r["kind"] in MEASURE_KINDS + ("text",) and r["phase"] == "plan"]
    if not parent_rows or not child_rows:
        raise QueryError(f"{parent_id} 或 {plan_id} 没有可比对的措施 (no measures to compare)")
    sim = similarity_matrix(engine, parent_rows, child_rows)
    measures = []
    for a, i in enumerate(parent_rows):
        order = np.argsort(-sim[a])[:top]
        best = float(sim[a, order[0]])
        measures.append({
            "parent_chunk_id": rec[i]["chunk_id"], "parent_heading_path": rec[i]["heading_path"],
            "parent_text": rec[i]["text"], "parent_line_start": rec[i]["line_start"],
            "parent_line_end": rec[i]["line_end"], "status": _verdict(best), "score": round(best, 4),
            "matches": [engine.hit(child_rows[b], float(sim[a, b])).to_dict() for b in order],
        })
    child_best = sim.max(axis=0)
    local = [engine.hit(child_rows[b], float(child_best[b])) for b in np.argsort(child_best)
             if child_best[b] < config.REVIEW_LOCAL and rec[child_rows[b]]["kind"] in MEASURE_KINDS]
    indicators = review_indicators(plans[parent_id], plans[plan_id])
    return Review(plan_id, parent_id, measures, indicators, local)
