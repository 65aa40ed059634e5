"""Precedents for a draft: the passages of all plans most similar to a paragraph being written,
each with its citation and the wording it shares with the draft marked."""
from __future__ import annotations

from dataclasses import dataclass

from index.tokenize import normalize
from search.engine import Hit, SearchEngine
from search.query import QueryError
from search.highlight import mark_spans
from search.reuse import shared_spans

MAX_DRAFT_CHARS = 10_000
MIN_SHARED_SPAN = 4          # shortest common run (characters) marked as shared wording
PRECEDENT_KINDS = ("measure", "column", "text")


@dataclass
class Precedent:
    hit: Hit
    shared: list[str]         # common wording, in draft order
    shared_share: float       # share of the passage's characters that the draft shares
    marked: str               # HTML-escaped passage with the shared wording in <mark>

    def to_dict(self) -> dict:
        return {**self.hit.to_dict(), "shared": self.shared, "shared_share": round(self.shared_share, 3),
                "marked": self.marked}


def _clean_draft(text: str | None) -> str:
    draft = (text or "").strip()
    if not draft:
        raise QueryError("草稿为空：请粘贴正在起草的段落 (empty draft: paste the paragraph you are writing)")
    return draft[:MAX_DRAFT_CHARS]


def find_precedents(engine: SearchEngine, draft: str | None, top: int = 10, plans=None) -> list[Precedent]:
    """Passages most similar to the draft (hybrid search on the whole paragraph), with shared wording."""
    draft = _clean_draft(draft)
    hits = engine.search(draft, mode="hybrid", top=top, plans=plans, kind=list(PRECEDENT_KINDS)).hits
    norm_draft = normalize(draft)
    out = []
    for h in hits:
        # normalize() maps one character to one in CJK text, so offsets stay valid for display
        passage = normalize(h.text)
        spans = shared_spans(passage, norm_draft, MIN_SHARED_SPAN) if len(passage) == len(h.text) else []
        marked_spans = [(a, a + n) for a, _, n in spans]
        shared = [h.text[a:a + n] for a, _, n in sorted(spans, key=lambda s: s[1])]
        share = sum(n for *_, n in spans) / max(1, len(h.text))
        out.append(Precedent(h, shared, share, mark_spans(h.text, marked_spans)))
    return out
