"""Parse a user query: "exact phrases", -exclusions, free text; never raises on odd input except empty."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable

import numpy as np

import config
from index.tokenize import normalize, tokens_with_offsets
from search.coverage import ThemeTerm, content_terms, coverage_of_passages
from search.thesaurus import synonyms

MAX_QUERY_CHARS = 2000   # longer queries are truncated before analysis
MAX_TERMS = 64           # distinct terms sent to the keyword index

_PHRASE = re.compile(r'"([^"]+)"|“([^”]+)”|「([^」]+)」')
_EXCLUDE = re.compile(r'(?:^|\s)-(\S+)')


class QueryError(ValueError):
    """A query that cannot be run (empty, unknown filter value); the message is user-facing."""


@dataclass
class ParsedQuery:
    raw: str
    text: str                         # free text + phrases
    phrases: list[str] = field(default_factory=list)
    excludes: list[str] = field(default_factory=list)
    terms: dict[str, float] = field(default_factory=dict)   # keyword terms with weights
    expansions: list[str] = field(default_factory=list)   # synonyms of rare query words
    highlight_terms: list[str] = field(default_factory=list)


class QueryAnalysis:
    """One reading of a query, shared by every view: the parsed query (terms, thesaurus
    expansions), its concepts (search.coverage.ThemeTerm) with their IDF, and the query vector,
    encoded on first use. Built by SearchEngine.analyse()."""

    def __init__(self, parsed: ParsedQuery, concepts: tuple[ThemeTerm, ...], idf: dict[str, float],
                 encode: Callable[[], tuple[np.ndarray, ...]]):
        self.parsed = parsed
        self.concepts = concepts
        self.idf = idf
        self._encode = encode

    @property
    def text(self) -> str:
        return self.parsed.text

    @cached_property
    def vectors(self) -> tuple[np.ndarray, ...]:
        """Unit query vectors, one per embedding model of the index (the user's wording steered
        toward the official forms of its colloquial words)."""
        return self._encode()

    @property
    def vector(self) -> np.ndarray:
        """The primary model's query vector (comparable with the primary model's window vectors)."""
        return self.vectors[0]

    def coverage(self, passages: list[str]) -> list[float]:
        """IDF-weighted share of the query's concepts each passage (as written) holds."""
        return coverage_of_passages(self.concepts, self.idf, passages).tolist()


def parse_query(raw: str | None, doc_share: Callable[[str], float] | None = None) -> ParsedQuery:
    """Split a query into phrases, exclusions and weighted terms (thesaurus-expanded).

    doc_share(word) tells in what share of the chunks a word occurs; without it every word counts
    as rare. Thesaurus forms of a word the plans rarely use (colloquial wording) get full weight
    and also steer the semantic query; forms of the plans' own vocabulary weigh less.
    """
    text = normalize(raw or "")[:MAX_QUERY_CHARS].strip()
    if not text:
        raise QueryError("查询为空：请输入检索词 (empty query: please type something to search for)")
    phrases = [next(g for g in m.groups() if g).strip() for m in _PHRASE.finditer(text)]
    phrases = [p for p in phrases if p]
    rest = _PHRASE.sub(" ", text)
    excludes = [e.strip('"“”') for e in _EXCLUDE.findall(rest)]
    excludes = [e for e in excludes if e]
    rest = _EXCLUDE.sub(" ", rest)
    positive = " ".join([rest] + phrases).strip()
    if not positive:
        raise QueryError("查询只有排除词：请至少给出一个检索词 (the query only excludes terms)")
    terms = _weighted_terms(positive, 1.0)
    expansions: list[str] = []
    # Only the query's concepts are expanded: 创业 inside 就业创业 is none, and expanding it drifts.
    for word in content_terms(positive):
        others = [f for f in synonyms(word) if f not in positive]
        if not others:
            continue
        rare = doc_share is None or doc_share(word) <= config.RARE_WORD_SHARE
        weight = config.EXPANSION_WEIGHT_RARE if rare else config.EXPANSION_WEIGHT_COMMON
        for syn in others:
            for t, w in _weighted_terms(syn, weight).items():
                terms[t] = max(terms.get(t, 0.0), w)
            if rare and syn not in expansions:
                expansions.append(syn)
    terms = dict(list(terms.items())[:MAX_TERMS])
    marks = [t for t in terms if len(t) > 1] + phrases
    return ParsedQuery(raw=raw or "", text=positive, phrases=phrases, excludes=excludes,
                       terms=terms, expansions=expansions,
                       highlight_terms=sorted(set(marks), key=lambda t: (-len(t), t)))


def _weighted_terms(text: str, weight: float) -> dict[str, float]:
    """The text's search terms with their weights: a dictionary word found inside a longer word
    of the text (就业 in 就业创业) weighs SUBWORD_WEIGHT as much, so a compound does not outvote a
    single word of the query by matching as three terms."""
    spans = list(tokens_with_offsets(text))
    terms: dict[str, float] = {}
    for word, start, end in spans:
        inner = any(s <= start and end <= e and e - s > end - start for _, s, e in spans)
        w = weight * (config.SUBWORD_WEIGHT if inner else 1.0)
        terms[word] = max(terms.get(word, 0.0), w)
    return terms
