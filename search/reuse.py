"""Text reuse between two plans: TF-IDF candidate pairs, then exact shared spans.

Candidates are chunk pairs with a high character n-gram TF-IDF cosine; each is
aligned (search/align.py: Smith-Waterman share of the plan-A passage reproduced,
and the common runs) and only shared runs of at least MIN_SPAN characters count
as reuse. share = shared characters / length of the plan-A passage.
"""
from __future__ import annotations

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

from corpus.model import Chunk, Plan
from search.align import shared_spans, wording_share
from search.highlight import mark_spans

REUSE_KINDS = ("measure", "column", "text")
MIN_SPAN = 8            # shortest shared run (characters) counted as reuse
MIN_SIMILARITY = 0.2    # TF-IDF cosine a chunk pair needs to be aligned at all
MIN_SHARED_CHARS = 20   # pairs sharing less (short titles, table headers) are not reported
CANDIDATES_PER_CHUNK = 3


def _chunks(plan: Plan) -> list[Chunk]:
    return [c for c in plan.chunks if c.kind in REUSE_KINDS and c.text.strip()]


def _citation(plan: Plan, chunk: Chunk) -> dict:
    return {
        "plan_id": plan.id,
        "plan_title": plan.info.title,
        "chunk_id": chunk.chunk_id,
        "heading_path": list(chunk.heading_path),
        "line_start": chunk.line_start,
        "line_end": chunk.line_end,
        "text": chunk.text,
    }


def _candidate_pairs(a_texts: list[str], b_texts: list[str], min_similarity: float) -> list[tuple[int, int, float]]:
    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(3, 5), sublinear_tf=True)
    matrix = vectorizer.fit_transform(a_texts + b_texts)
    sims = cosine_similarity(matrix[: len(a_texts)], matrix[len(a_texts):])
    pairs = []
    for i, row in enumerate(sims):
        for j in row.argsort()[::-1][:CANDIDATES_PER_CHUNK]:
            if row[j] >= min_similarity:
                pairs.append((i, int(j), float(row[j])))
    return pairs


def find_reuse(plan_a: Plan, plan_b: Plan, min_share: float = 0.1, top: int | None = 50,
               min_span: int = MIN_SPAN, min_similarity: float = MIN_SIMILARITY,
               min_chars: int = MIN_SHARED_CHARS) -> list[dict]:
    """Passages of plan_a reused in plan_b, by share of the plan-A passage then shared length.

    Each result: a / b citations (plan_id, chunk_id, heading_path, line_start,
    line_end, text), similarity, aligned_share (Smith-Waterman share of the plan-A
    passage reproduced), spans (shared texts), shared_chars, share, and
    a_html / b_html with the shared spans in <mark>.
    """
    chunks_a, chunks_b = _chunks(plan_a), _chunks(plan_b)
    if not chunks_a or not chunks_b:
        return []
    a_texts, b_texts = [c.text for c in chunks_a], [c.text for c in chunks_b]
    results = []
    pairs = _candidate_pairs(a_texts, b_texts, min_similarity)
    aligned = wording_share([a_texts[i] for i, _, _ in pairs], [b_texts[j] for _, j, _ in pairs])
    for (i, j, sim), local in zip(pairs, aligned):
        spans = shared_spans(a_texts[i], b_texts[j], min_span)
        shared = sum(size for _, _, size in spans)
        share = shared / len(a_texts[i])
        if shared < min_chars or share < min_share:
            continue
        results.append({
            "a": _citation(plan_a, chunks_a[i]),
            "b": _citation(plan_b, chunks_b[j]),
            "similarity": round(sim, 4),
            "aligned_share": round(float(local), 4),
            "spans": [a_texts[i][s:s + n] for s, _, n in spans],
            "shared_chars": shared,
            "share": round(share, 4),
            "a_html": mark_spans(a_texts[i], [(s, s + n) for s, _, n in spans]),
            "b_html": mark_spans(b_texts[j], [(s, s + n) for _, s, n in spans]),
        })
    results.sort(key=lambda r: (-r["share"], -r["shared_chars"]))
    return results[:top] if top else results
