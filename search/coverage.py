"""Theme coverage: how much of a query's own content a passage holds.

A query is reduced to its content words (top-level jieba words; runs of single characters the
dictionary could not join are rejoined), each with its thesaurus forms and dictionary parts; a
passage's coverage is the IDF-weighted share of those words it contains. Used to rank passages
that hold every concept of a query above those that repeat one common word, and by the side-by-
side view to tell a plan that has a measure on a theme from one that is silent on it.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from index.tokenize import normalize, tokens_with_offsets
from search.thesaurus import load_groups


def content_terms(theme: str) -> list[str]:
    """The theme's content words: top-level jieba words (no sub-words), with runs of single
    characters the dictionary could not join rejoined (援/疆 → 援疆), so that words unknown to
    the dictionary still count; a lone single character (少, 用) carries no theme."""
    spans = list(tokens_with_offsets(theme))
    top = sorted(((w, s, e) for w, s, e in spans
                  if not any(s2 <= s and e <= e2 and (e2 - s2) > (e - s) for _, s2, e2 in spans)),
                 key=lambda x: x[1])
    terms: list[list] = []
    for w, s, e in top:
        prev = terms[-1] if terms else None
        if len(w) == 1 and prev and prev[3] and prev[2] == s:
            prev[0], prev[2] = prev[0] + w, e
        else:
            terms.append([w, s, e, len(w) == 1])   # word, start, end, is a run of single characters
    return list(dict.fromkeys(t[0] for t in terms if len(t[0]) > 1))


@dataclass(frozen=True)
class ThemeTerm:
    """A content word of a theme: found when any thesaurus form, or all of its parts, occur."""
    word: str
    forms: tuple[str, ...]
    parts: tuple[str, ...] = ()

    def found_in(self, norm_text: str) -> bool:
        return self.credit(norm_text) == 1.0

    def credit(self, norm_text: str) -> float:
        """1 when a form occurs, else the length share of the word's parts that occur."""
        if any(f in norm_text for f in self.forms):
            return 1.0
        return sum(len(p) for p in self.parts if p in norm_text) / len(self.word)


@lru_cache(maxsize=4096)
def theme_terms(theme: str) -> tuple[ThemeTerm, ...]:
    """Each content word of the theme with its thesaurus forms and dictionary parts (memoised:
    the side-by-side view asks for the same theme once per plan)."""
    groups = load_groups()
    subwords = {w for w, _, _ in tokens_with_offsets(theme) if len(w) > 1}
    out = []
    for t in content_terms(theme):
        forms = {t}
        for g in groups:
            if t in g:
                forms.update(w for w in g if len(w) > 1)
        out.append(ThemeTerm(t, tuple(sorted(forms, key=len, reverse=True)), _tiling(t, subwords)))
    return tuple(out)


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


def coverage(terms: tuple[ThemeTerm, ...], text: str, idf: dict[str, float]) -> float:
    """IDF-weighted share of the theme's terms present (in any form) in a passage."""
    if not terms:
        return 0.0
    norm = normalize(text).replace(" ", "")
    total = sum(idf.get(t.word, 1.0) for t in terms)
    found = sum(idf.get(t.word, 1.0) * t.credit(norm) for t in terms)
    return found / total if total else 0.0
