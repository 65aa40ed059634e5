"""HTML highlighting: escape the plan text, then wrap matched query terms in <mark>."""
from __future__ import annotations

import functools
import html

from index.tokenize import normalize


@functools.lru_cache(maxsize=4096)
def _normalized_with_map(text: str) -> tuple[str, tuple[int, ...]]:
    """Per-character NFKC+lower text and, for each of its characters, the source index.
    Memoised: the same chunk texts come back query after query."""
    out, origin = [], []
    for i, ch in enumerate(text):
        n = _normalized_char(ch)
        out.append(n)
        origin.extend([i] * len(n))
    return "".join(out), tuple(origin)


@functools.lru_cache(maxsize=65536)
def _normalized_char(ch: str) -> str:
    return normalize(ch)


def match_spans(text: str, terms: list[str]) -> list[tuple[int, int]]:
    """Non-overlapping (start, end) spans of terms in text, longest terms first (terms of the same
    length in code-point order, so a text is marked the same way in every process)."""
    norm, origin = _normalized_with_map(text)
    taken = [False] * len(norm)
    spans = []
    for term in sorted({t for t in terms if t}, key=lambda t: (-len(t), t)):
        start = norm.find(term)
        while start != -1:
            end = start + len(term)
            if not any(taken[start:end]):
                taken[start:end] = [True] * (end - start)
                spans.append((origin[start], origin[end - 1] + 1))
            start = norm.find(term, end)
    return sorted(spans)


def mark_spans(text: str, spans: list[tuple[int, int]]) -> str:
    """HTML-escaped text with each non-overlapping (start, end) span wrapped in <mark>…</mark>."""
    out, pos = [], 0
    for start, end in sorted(spans):
        out.append(html.escape(text[pos:start]))
        out.append("<mark>" + html.escape(text[start:end]) + "</mark>")
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out)


def highlight(text: str, terms: list[str]) -> str:
    """HTML-escaped text with each matched term wrapped in <mark>…</mark>."""
    return mark_spans(text, match_spans(text, terms))
