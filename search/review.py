"""Consistency review of a city plan against its provincial (parent) plan.

Every provincial measure and 专栏 item is read action by action (its clauses, search/align.py):
each action's best counterpart among the city plan's passages is scored on meaning, shared
wording (Smith-Waterman) and outline, and counts as carried above config.ALIGN_SAME_ACTION. The
verdict follows the share of the measure's actions carried and how near its closest counterpart
comes (covered / partial / missing), with
evidence: the city passage carrying most of it (citation, shared wording marked) or, for a
missing measure, the closest passage considered and why it was not enough. Then every
provincial 十四五 indicator beside the city's, and the city's own measures with no provincial
counterpart (local initiatives).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import config
from corpus.model import Plan
from search.align import (ClauseMatch, PlanClauses, align_clauses, clause_marks, clause_store, passage_hit,
                          plan_source)
from search.engine import Hit, SearchEngine
from search.highlight import mark_spans
from search.indicator_groups import review_indicators
from search.query import QueryError

MEASURE_KINDS = ("measure", "column")
CHILD_KINDS = ("measure", "column", "text")
VERDICTS = ("covered", "partial", "missing")


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
        out = {s: 0 for s in VERDICTS}
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


def verdict(carried_share: float, mean_action: float) -> str:
    """covered / partial / missing from the (length-weighted) share of a measure's actions carried
    and its actions' (length-weighted) mean score: covered from config.REVIEW_COVERED; missing only
    when the actions on the whole find nothing near them (mean below config.REVIEW_MISSING_BELOW; the
    best of several actions is near something by chance); partial in between, including a measure
    none of whose actions is carried but whose counterparts are too near to rule out."""
    if carried_share >= config.REVIEW_COVERED:
        return "covered"
    return "missing" if mean_action < config.REVIEW_MISSING_BELOW else "partial"


def _rows(engine: SearchEngine, plan_id: str, kinds: tuple[str, ...]) -> list[int]:
    return [i for i, r in enumerate(engine.records)
            if r["plan_id"] == plan_id and r["kind"] in kinds and r["phase"] == "plan"]


def reviewed_rows(engine: SearchEngine, plan_id: str) -> list[int]:
    """The passages of a plan a review checks: measures, 专栏 items and the lead paragraph of every
    chapter that holds measures (it states the chapter's actions in summary form)."""
    rec = engine.records
    rows = _rows(engine, plan_id, MEASURE_KINDS)
    chapters = {rec[i]["heading_path"][0] for i in rows if rec[i]["heading_path"]}
    leads = [i for i in _rows(engine, plan_id, ("text",))
             if len(rec[i]["heading_path"]) == 1 and rec[i]["heading_path"][0] in chapters]
    return sorted(rows + leads)


def _align_rows(engine: SearchEngine, source: PlanClauses, rows: list[int], target: PlanClauses,
                target_rows: list[int]) -> tuple[np.ndarray, list[ClauseMatch]]:
    """Clause indices of the source rows and each one's best clause among the target rows."""
    store = clause_store(engine)
    idx = np.concatenate([source.by_row[i] for i in rows]) if rows else np.zeros(0, dtype=np.int64)
    allowed = np.isin(target.owner, target_rows)
    return idx, align_clauses(store, plan_source(store, source, idx), target, allowed)


def _weight(text: str) -> int:
    return max(1, len(text))


def _measure(engine: SearchEngine, row: int, parent: PlanClauses, child: PlanClauses,
             clause_idx: np.ndarray, found: list[ClauseMatch], top: int) -> dict:
    rec = engine.records[row]
    actions, by_row = [], {}
    for k, m in zip(clause_idx, found):
        clause = parent.clauses[k]
        carried = m.index >= 0 and m.score >= config.ALIGN_SAME_ACTION
        match_row = int(child.owner[m.index]) if m.index >= 0 else None
        actions.append({"text": clause.text, "start": clause.start, "end": clause.end, "carried": carried,
                        "score": round(m.score, 4), "meaning": round(m.meaning, 4),
                        "wording": round(m.wording, 4), "terms": round(m.terms, 4), "outline": round(m.outline, 4),
                        "match_chunk_id": engine.records[match_row]["chunk_id"] if match_row is not None else "",
                        "match_text": child.clauses[m.index].text if m.index >= 0 else ""})
        if match_row is not None:
            by_row[match_row] = by_row.get(match_row, 0.0) + m.score * _weight(clause.text) * (1 + carried)
    total = sum(_weight(a["text"]) for a in actions)
    share = sum(_weight(a["text"]) for a in actions if a["carried"]) / max(1, total)
    mean = sum(_weight(a["text"]) * a["score"] for a in actions) / max(1, total)
    best = max((a["score"] for a in actions), default=0.0)
    status = verdict(share, mean)
    ranked = sorted(by_row, key=lambda i: -by_row[i])[:top]
    matches = [passage_hit(engine, i, by_row[i] / max(1, total)).to_dict() for i in ranked]
    evidence = None
    if ranked:
        pairs = [(parent.clauses[k], child.clauses[m.index]) for k, m in zip(clause_idx, found)
                 if m.index >= 0 and child.owner[m.index] == ranked[0]]
        evidence = _evidence(rec["text"], matches[0], pairs)
    return {
        "parent_chunk_id": rec["chunk_id"], "parent_heading_path": rec["heading_path"],
        "parent_text": rec["text"], "parent_line_start": rec["line_start"], "parent_line_end": rec["line_end"],
        "parent_kind": rec["kind"], "status": status, "score": round(share, 4), "mean_action": round(mean, 4),
        "best_action": round(best, 4),
        "actions": actions, "carried": [a["text"] for a in actions if a["carried"]],
        "not_carried": [a["text"] for a in actions if not a["carried"]],
        "evidence": evidence, "reason": _reason(status, actions, share, mean),
        "matches": matches,
    }


def _evidence(parent_text: str, hit: dict, pairs) -> dict:
    """The evidence passage with its citation and the wording it shares with the measure marked
    (clause by clause: each action against the clause of the passage it was aligned with)."""
    parent_spans, spans, _ = clause_marks(pairs)
    shared = [hit["text"][s:e] for s, e in spans]
    return {**hit, "shared": shared, "marked": mark_spans(hit["text"], spans),
            "parent_marked": mark_spans(parent_text, parent_spans)}


def _reason(status: str, actions: list[dict], share: float, mean: float) -> str:
    """Why the verdict: how many actions are carried, or why the closest passage was not enough."""
    n, carried = len(actions), sum(a["carried"] for a in actions)
    if status != "missing" and carried:
        return f"{carried}/{n} 项举措在下级规划中有对应表述（按字数计 {share:.0%}）"
    if status != "missing":
        best = max(actions, key=lambda a: a["score"])
        return (f"没有一项举措达到认定阈值 {config.ALIGN_SAME_ACTION:.2f}，但各项举措的最相近表述平均综合 {mean:.2f}，"
                f"不低于“未覆盖”阈值 {config.REVIEW_MISSING_BELOW:.2f}（最相近的是“{best['match_text'][:40]}”，"
                f"综合 {best['score']:.2f}），不能认定为未涉及，请人工核对")
    best = max(actions, key=lambda a: a["score"], default=None)
    if best is None or not best["match_text"]:
        return "下级规划中没有可比对的段落"
    why = (f"意思相近度 {best['meaning']:.2f}，共同措辞占 {best['wording']:.0%}，"
           f"综合 {best['score']:.2f} 低于认定阈值 {config.ALIGN_SAME_ACTION:.2f}；"
           f"各项举措平均综合 {mean:.2f}，低于“未覆盖”阈值 {config.REVIEW_MISSING_BELOW:.2f}")
    if carried:
        why = f"仅 {carried}/{n} 项举措有对应；" + why
    return f"最相近的表述为“{best['match_text'][:40]}”：{why}"


def review(engine: SearchEngine, plans: dict[str, Plan], plan_id: str, against: str | None = None,
           top: int = 3) -> Review:
    """Review plan_id against its parent (or `against`): measures, indicators and local initiatives."""
    parent_id = resolve_parent(plans, plan_id, against)
    parent_rows, child_rows = reviewed_rows(engine, parent_id), _rows(engine, plan_id, CHILD_KINDS)
    if not parent_rows or not child_rows:
        raise QueryError(f"{parent_id} 或 {plan_id} 没有可比对的措施 (no measures to compare)")
    store = clause_store(engine)
    parent, child = store.plan(parent_id), store.plan(plan_id)
    idx, found = _align_rows(engine, parent, parent_rows, child, child_rows)
    owner = parent.owner[idx]
    measures = [_measure(engine, i, parent, child, idx[owner == i], [f for f, o in zip(found, owner) if o == i], top)
                for i in parent_rows]
    local = _local(engine, parent, parent_rows, child, _rows(engine, plan_id, MEASURE_KINDS))
    indicators = review_indicators(plans[parent_id], plans[plan_id])
    return Review(plan_id, parent_id, measures, indicators, local)


def _local(engine: SearchEngine, parent: PlanClauses, parent_rows: list[int], child: PlanClauses,
           child_rows: list[int]) -> list[Hit]:
    """City measures none of whose clauses has a provincial counterpart, least matched first."""
    idx, found = _align_rows(engine, child, child_rows, parent, parent_rows)
    owner = child.owner[idx]
    best: dict[int, float] = {}
    for o, f in zip(owner, found):
        best[int(o)] = max(best.get(int(o), 0.0), f.score)
    return [passage_hit(engine, i, s) for i, s in sorted(best.items(), key=lambda x: x[1]) if s < config.ALIGN_SAME_ACTION]
