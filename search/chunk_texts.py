"""The searchable text of every chunk in one string, for exact substring look-ups.

Words that are not index terms (a thesaurus form jieba splits, a colloquial word of a query), quoted
phrases and exclusions are matched as substrings of the chunks' texts. The texts are held as one
joined string (one object instead of one per chunk). A word's rows come from the build's bigram
index (index/substrings.py) for the chunks it covers, each candidate checked in the text, and
from one scan of the text for the chunks appended since.
"""
from __future__ import annotations

import re
from typing import Iterable, Iterator

import numpy as np

from index.substrings import SEPARATOR, BigramIndex, units


class ChunkTexts:
    """Searchable texts of the chunk table, row by row (a read-only sequence of str)."""

    def __init__(self, texts: Iterable[str], bigrams: BigramIndex | None = None):
        texts = [t.replace(SEPARATOR, "") for t in texts]
        self._joined = SEPARATOR.join(texts)
        self._starts = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum([len(t) + 1 for t in texts], out=self._starts[1:])
        self.bigrams = bigrams

    def __len__(self) -> int:
        return len(self._starts) - 1

    def __getitem__(self, row: int) -> str:
        if not -len(self) <= row < len(self):
            raise IndexError(row)
        row %= len(self)
        return self._joined[self._starts[row]:self._starts[row + 1] - 1]

    def __iter__(self) -> Iterator[str]:
        return iter(self._joined.split(SEPARATOR)) if len(self) else iter(())

    def rows_with(self, word: str) -> np.ndarray:
        """Rows (sorted, distinct) whose text contains word; every row for an empty word."""
        word = word.replace(SEPARATOR, "")
        word_units = units(word)
        if not word:
            rows = np.arange(len(self), dtype=np.int32)
        elif self.bigrams is None or len(word_units) < 2:
            rows = self._scan(word, 0)
        else:
            candidates = self.bigrams.candidates(word_units)
            if len(word_units) > 2:   # a two-unit word is its one bigram: every candidate holds it
                find = self._joined.find
                ends = (self._starts[candidates + 1] - 1).tolist()
                candidates = [r for r, a, b in zip(candidates.tolist(), self._starts[candidates].tolist(), ends)
                              if find(word, a, b) >= 0]
            rows = np.concatenate([np.asarray(candidates, dtype=np.int32), self._scan(word, self.bigrams.rows)])
        rows.flags.writeable = False   # callers may share it (memoised)
        return rows

    def rows_with_any(self, words) -> np.ndarray:
        """Rows (sorted, distinct) whose text contains any of the words; with no bigram index, found
        by one scan of the text for all of them."""
        words = sorted({w.replace(SEPARATOR, "") for w in words}, key=len, reverse=True)
        if not words:
            return np.zeros(0, dtype=np.int32)
        if self.bigrams is not None or "" in words:
            return np.unique(np.concatenate([self.rows_with(w) for w in words]))
        return self._scan_pattern("|".join(re.escape(w) for w in words), 0)

    def _scan(self, word: str, first_row: int) -> np.ndarray:
        """Rows from first_row on whose text contains word, found by one scan of their text."""
        return self._scan_pattern(re.escape(word), first_row)

    def _scan_pattern(self, pattern: str, first_row: int) -> np.ndarray:
        """Rows from first_row on whose text matches a regular expression (that never spans a
        separator), found by one scan of their text."""
        if first_row >= len(self):
            return np.zeros(0, dtype=np.int32)
        found = re.compile(pattern).finditer(self._joined, int(self._starts[first_row]))
        at = np.fromiter((m.start() for m in found), np.int64)
        return np.unique(np.searchsorted(self._starts, at, side="right") - 1).astype(np.int32)
