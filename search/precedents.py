"""Precedents for a draft: for each paragraph of the draft, the passages of the plans that write the
same measures, scored by how many of the paragraph's clauses they answer (search/align.py), each
with the draft clauses it covers, what it adds (its clauses the draft lacks), the shared wording
marked and its citation; grouped by plan, province first, then cities."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

import config
from corpus.lines import TERMINAL
from search.align import (clause_marks, clause_store, pair_scores, passage_hit, source_of, split_clauses,
                          strip_numbering, term_cover)
from search.engine import Hit, SearchEngine
from search.highlight import mark_spans
from search.query import QueryError

MAX_DRAFT_CHARS = 10_000
MAX_PARAGRAPHS = 30
PRECEDENT_KINDS = ("measure", "column", "text")   # of the plans' 十四五 part (not the 十三五 review)
LEVEL_ORDER = ("province", "sub-provincial city", "prefecture-level city", "county-level city")

# A heading line of a pasted section: 第一章 / 第一节 / 一、 / （一） followed by a short title.
_HEADING = re.compile(r"^(?:第[一二三四五六七八九十百]+[章节]|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)])")
# Numbering that starts a new paragraph inside a paste without line breaks.
_INLINE_ITEM = re.compile(r"(?<=[。；;！？])\s*(?=(?:[（(][一二三四五六七八九十\d]{1,2}[）)]|\d{1,2}[.．、](?!\d)|"
                          r"[一二三四五六七八九十]{1,2}、|第[一二三四五六七八九十]+[章节]))")


@dataclass
class Precedent:
    hit: Hit
    score: float              # mean over the paragraph's clauses of their best match in this passage
    covers: list[str]         # clauses of the draft paragraph this passage states too
    adds: list[str]           # clauses of this passage the draft lacks
    shared: list[str]         # common wording, in the passage's order
    shared_share: float       # share of the passage's characters that the draft shares
    marked: str               # HTML-escaped passage with the shared wording in <mark>

    def to_dict(self) -> dict:
        return {**self.hit.to_dict(), "score": round(self.score, 4), "covers": self.covers, "adds": self.adds,
                "shared": self.shared, "shared_share": round(self.shared_share, 3), "marked": self.marked}


@dataclass
class DraftParagraph:
    """One paragraph of the draft, its clauses and its precedents (best first)."""
    text: str
    clauses: list[str]
    precedents: list[Precedent] = field(default_factory=list)

    def groups(self) -> list[tuple[str, list[Precedent]]]:
        """Precedents grouped by plan: province first, then cities by level; best plan first within a level."""
        by_plan: dict[str, list[Precedent]] = {}
        for p in self.precedents:
            by_plan.setdefault(p.hit.plan_id, []).append(p)
        rank = lambda item: (_level_rank(item[1][0].hit.level), -item[1][0].score)
        return sorted(by_plan.items(), key=rank)

    def to_dict(self) -> dict:
        return {"text": self.text, "clauses": self.clauses,
                "precedents": [p.to_dict() for p in self.precedents],
                "groups": [{"plan_id": pid, "plan_title": ps[0].hit.plan_title, "level": ps[0].hit.level,
                            "chunk_ids": [p.hit.chunk_id for p in ps]} for pid, ps in self.groups()]}


def _level_rank(level: str) -> int:
    return LEVEL_ORDER.index(level) if level in LEVEL_ORDER else len(LEVEL_ORDER)


def _clean_draft(text: str | None) -> str:
    draft = (text or "").replace("\r\n", "\n").replace("\r", "\n").replace("\u3000", " ").strip()
    if not draft.replace("\n", "").strip():
        raise QueryError("草稿为空：请粘贴正在起草的段落 (empty draft: paste the paragraph you are writing)")
    return draft[:MAX_DRAFT_CHARS]


def split_paragraphs(draft: str) -> list[str]:
    """The paragraphs of a pasted draft. Lines cut inside a sentence (a PDF or Word copy) are joined;
    blank lines and numbered items (1. （一） 一、 …, also inline after a full stop) start a new
    paragraph; short heading lines (第一节 …, （一）… without a full stop) are dropped."""
    paras: list[str] = []
    current = ""
    for line in _clean_draft(draft).split("\n"):
        line = line.replace("**", "").strip()
        if not line:
            if current:
                paras.append(current)
            current = ""
            continue
        if _HEADING.match(line) and len(line) <= 30 and not line.endswith(TERMINAL):
            if current:
                paras.append(current)
            current = ""
            continue
        if current and (current.endswith(TERMINAL) or _INLINE_ITEM.match("。" + line)):
            paras.append(current)
            current = line
        else:
            current += line
    if current:
        paras.append(current)
    out = [strip_numbering(p.strip()) for para in paras for p in _INLINE_ITEM.split(para) if p.strip()]
    return [p for p in out if split_clauses(p)]


def find_precedents(engine: SearchEngine, draft: str | None, top: int = 10, plans=None) -> list[DraftParagraph]:
    """For each paragraph of the draft, the `top` passages of the plans (all, or `plans`) that answer
    most of its clauses. Raises QueryError for an empty draft or unknown plan ids."""
    paragraphs = split_paragraphs(draft)
    if not paragraphs:
        raise QueryError("草稿中没有可比对的文字 (the draft holds no text to compare)")
    plan_ids = _plan_ids(engine, plans)
    return [_paragraph(engine, text, plan_ids, max(1, int(top))) for text in paragraphs[:MAX_PARAGRAPHS]]


def _plan_ids(engine: SearchEngine, plans) -> list[str]:
    wanted = [plans] if isinstance(plans, str) else list(plans or [])
    bad = [p for p in wanted if p not in engine.plan_ids]
    if bad:
        raise QueryError(f"未知规划 {', '.join(bad)}（可选：{', '.join(engine.plan_ids)}）(unknown plan id)")
    return wanted or list(engine.plan_ids)


def _paragraph(engine: SearchEngine, text: str, plan_ids: list[str], top: int) -> DraftParagraph:
    store = clause_store(engine)
    clauses = split_clauses(text)
    src = source_of(store, [c.text for c in clauses])
    whole_draft = store.vectorizer.transform([text])
    weights = np.array([max(1, len(t)) for t in src.texts], dtype=np.float64)
    weights /= weights.sum()
    candidates = []                          # (pre-score, whole-passage bigram cosine, PlanClauses, row)
    for pid in plan_ids:
        pc = store.plan(pid)
        if not len(pc.clauses):
            continue
        pre = src.vectors @ pc.vectors.T + (src.bigrams @ pc.bigrams.T).toarray() + term_cover(src.words, pc.words)
        starts = np.flatnonzero(np.r_[True, pc.owner[1:] != pc.owner[:-1]])
        per_row = weights @ np.maximum.reduceat(pre, starts, axis=1)   # best clause per passage
        whole = (pc.passages @ whole_draft.T).toarray().ravel()
        row_pos = {r: n for n, r in enumerate(pc.rows)}
        for k, start in enumerate(starts):
            i = int(pc.owner[start])
            r = engine.records[i]
            if r["kind"] in PRECEDENT_KINDS and r["phase"] == "plan":
                candidates.append((float(per_row[k]), float(whole[row_pos[i]]), pc, i))
    candidates.sort(key=lambda c: -c[0])
    pool = candidates[:max(config.PRECEDENT_POOL, top)]
    w = config.PRECEDENT_W_PASSAGE
    scored = []
    for pc in {id(c[2]): c[2] for c in pool}.values():
        mine = [c for c in pool if c[2] is pc]
        for (_, cos, _, i), scores in zip(mine, pair_scores(store, src, pc, [pc.by_row[c[3]] for c in mine])):
            scored.append(((float(weights @ scores.max(axis=1)) + w * cos) / (1 + w), pc, i, scores))
    scored.sort(key=lambda s: -s[0])
    return DraftParagraph(text, src.texts, [_precedent(engine, clauses, *s) for s in scored[:top]])


def _precedent(engine: SearchEngine, clauses, score: float, pc, row: int, scores: np.ndarray) -> Precedent:
    idx = pc.by_row[row]
    same = config.ALIGN_SAME_ACTION
    best_of_draft = scores.argmax(axis=1)
    covers = [c.text for c, s in zip(clauses, scores.max(axis=1)) if s >= same]
    adds = [pc.clauses[k].text for k, s in zip(idx, scores.max(axis=0)) if s < same]
    pairs = [(pc.clauses[idx[j]], c) for c, j in zip(clauses, best_of_draft)]
    spans, _, _ = clause_marks(pairs)
    hit = passage_hit(engine, row, score)
    shared = [hit.text[s:e] for s, e in spans]
    share = sum(e - s for s, e in spans) / max(1, len(hit.text))
    return Precedent(hit, score, covers, adds, shared, share, mark_spans(hit.text, spans))
