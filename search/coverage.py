"""Theme coverage: how much of a query's own content a passage holds.

A query is reduced to its concepts: thesaurus words found in it (一张卡, 开公司, 网约车司机) and
the top-level jieba words of the rest (runs of single characters the dictionary could not join
are rejoined), the longest reading winning where they overlap. Each concept carries the
thesaurus forms of its word, concepts of the same thesaurus group merge (外卖骑手 and
网约车司机 are one concept), and a word can also be credited through its dictionary parts. A
passage's coverage is the IDF-weighted share of the concepts it holds. Used to rank passages
that hold every concept of a query above those that repeat one common word, and by the side-by-
side view to tell a plan that has a measure on a theme from one that is silent on it.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

import config
from index.tokenize import normalize, tokens_with_offsets, word_boundaries
from search.chunk_texts import ChunkTexts
from search.thesaurus import load_groups, synonyms


def _word_spans(theme: str) -> list[tuple[str, int, int]]:
    """Top-level jieba words (no sub-words) of the normalised theme, with runs of single
    characters the dictionary could not join rejoined (援/疆 → 援疆)."""
    spans = list(tokens_with_offsets(theme))
    top = sorted(((w, s, e) for w, s, e in spans
                  if not any(s2 <= s and e <= e2 and (e2 - s2) > (e - s) for _, s2, e2 in spans)),
                 key=lambda x: x[1])
    words: list[list] = []
    for w, s, e in top:
        prev = words[-1] if words else None
        if len(w) == 1 and prev and prev[3] and prev[2] == s:
            prev[0], prev[2] = prev[0] + w, e
        else:
            words.append([w, s, e, len(w) == 1])   # word, start, end, is a run of single characters
    return [(w, s, e) for w, s, e, _ in words]


def _thesaurus_spans(norm: str, groups) -> list[tuple[str, int, int]]:
    """Every occurrence of a thesaurus word (two characters or more) in the normalised theme."""
    out = []
    for word in {w for g in groups for w in g if len(w) > 1}:
        start = norm.find(word)
        while start >= 0:
            out.append((word, start, start + len(word)))
            start = norm.find(word, start + 1)
    return out


@lru_cache(maxsize=4096)
def content_terms(theme: str) -> tuple[str, ...]:
    """The theme's concepts as written: thesaurus words that start and end on word boundaries,
    and top-level jieba words, the longer reading winning where they overlap (thesaurus words
    on ties); a lone single character (少, 用) carries no theme. Memoised: a query asks for them
    once to expand it and once to weigh its coverage."""
    norm = normalize(theme)
    words = _word_spans(theme)
    cuts = word_boundaries(theme)
    # a thesaurus word must not cut through a word of the theme (残疾人就业 in 残疾人|就业创业)
    thesaurus = [(w, s, e) for w, s, e in _thesaurus_spans(norm, load_groups()) if s in cuts and e in cuts]
    candidates = [(w, s, e, 0) for w, s, e in thesaurus] + [(w, s, e, 1) for w, s, e in words]
    chosen: list[tuple[str, int, int]] = []
    for w, s, e, _ in sorted(candidates, key=lambda c: (-(c[2] - c[1]), c[3], c[1])):
        if len(w) > 1 and all(e <= s2 or e2 <= s for _, s2, e2 in chosen):
            chosen.append((w, s, e))
    return tuple(dict.fromkeys(w for w, _, _ in sorted(chosen, key=lambda c: c[1])))


@dataclass(frozen=True)
class ThemeTerm:
    """A concept of a theme: found when any thesaurus form, or all of its parts, occur."""
    word: str
    forms: tuple[str, ...]
    parts: tuple[tuple[str, ...], ...] = ()   # dictionary parts of the word, each with its forms

    def credit(self, texts: ChunkTexts) -> np.ndarray:
        """Per text: 1 when a form occurs, else PARTIAL_CREDIT times the length share of the word's
        parts that occur (in any form): 人事 alone is only part of 人事考试."""
        has = _holding(self.forms, texts)
        parts = np.zeros(len(texts), dtype=np.int64)
        for p in self.parts:
            parts += len(p[0]) * _holding(p, texts)
        return np.where(has, 1.0, config.PARTIAL_CREDIT * (parts / len(self.word)))


def _holding(forms, texts: ChunkTexts) -> np.ndarray:
    """Per text: whether it holds any of the forms."""
    mask = np.zeros(len(texts), dtype=bool)
    mask[texts.rows_with_any(forms)] = True
    return mask


@lru_cache(maxsize=4096)
def theme_terms(theme: str) -> tuple[ThemeTerm, ...]:
    """Each concept of the theme with its thesaurus forms and dictionary parts (memoised: the
    side-by-side view asks for the same theme once per plan)."""
    groups = load_groups()
    subwords = {w for w, _, _ in tokens_with_offsets(theme) if len(w) > 1}
    merged: list[tuple[str, set[str], set[int], tuple]] = []   # word, forms, group ids, parts
    for word in content_terms(theme):
        ids = {k for k, g in enumerate(groups) if word in g}
        forms = {word}.union(*(groups[k] for k in ids)) if ids else {word}
        same = next((m for m in merged if m[2] & ids), None)
        if same:
            same[1].update(forms)
            same[2].update(ids)
            continue
        parts = tuple((p,) + synonyms(p) for p in _tiling(word, subwords))
        merged.append((word, forms, ids, parts))
    return tuple(ThemeTerm(w, tuple(sorted((f for f in forms if len(f) > 1), key=len, reverse=True)), parts)
                 for w, forms, _, parts in merged)


def _tiling(word: str, subwords: set[str]) -> tuple[str, ...]:
    """Cover a word with its longest dictionary sub-words, left to right (高技能人才培养 →
    高技能人才 + 培养); empty when the word cannot be tiled."""
    parts, i = [], 0
    while i < len(word):
        part = next((word[i:j] for j in range(len(word), i + 1, -1)
                     if word[i:j] != word and word[i:j] in subwords), None)
        if part is None:
            return ()
        parts.append(part)
        i += len(part)
    return tuple(parts)


def coverage_of_texts(terms: tuple[ThemeTerm, ...], idf: dict[str, float], texts: ChunkTexts) -> np.ndarray:
    """IDF-weighted share of the theme's terms present (in any form) in each of some searchable
    (normalised, spaceless) texts, e.g. chunks' match texts."""
    found = np.zeros(len(texts))
    total = sum(idf.get(t.word, 1.0) for t in terms)
    if not terms or not total:
        return found
    for t in terms:
        found += idf.get(t.word, 1.0) * t.credit(texts)
    return found / total


def coverage_of_passages(terms: tuple[ThemeTerm, ...], idf: dict[str, float], passages: list[str]) -> np.ndarray:
    """coverage_of_texts() of passages as written (normalised here)."""
    return coverage_of_texts(terms, idf, ChunkTexts(_passage_form(p) for p in passages))


def coverage(terms: tuple[ThemeTerm, ...], text: str, idf: dict[str, float]) -> float:
    """IDF-weighted share of the theme's terms present (in any form) in one passage."""
    return float(coverage_of_passages(terms, idf, [text])[0])


@lru_cache(maxsize=8192)
def _passage_form(text: str) -> str:
    """A passage normalised for concept matching (spaces removed); memoised, since the same chunk
    texts are matched query after query."""
    return normalize(text).replace(" ", "")
