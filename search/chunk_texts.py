"""The searchable text of every chunk in one string, for exact substring look-ups at C speed.

Words that are not index terms (a thesaurus form jieba splits, a colloquial word of a query), quoted
phrases and exclusions are matched as substrings of the chunks' texts. Looping over half a million
Python strings costs ~0.4 µs a chunk per word; one regular-expression scan over the joined text
finds the same chunks 2-3× faster and the chunks' texts take one object instead of one per chunk.
"""
from __future__ import annotations

import re
from typing import Iterable, Iterator

import numpy as np

from index.tokenize import normalize

SEPARATOR = "\x00"   # between chunk texts; removed from texts and words, so no match spans two chunks


def match_text(heading_path: list[str], text: str) -> str:
    """A chunk's searchable text: heading path and text, normalised, spaces removed."""
    return normalize(" ".join(heading_path) + " " + text).replace(" ", "")


class ChunkTexts:
    """Searchable texts of the chunk table, row by row (a read-only sequence of str)."""

    def __init__(self, texts: Iterable[str]):
        texts = [t.replace(SEPARATOR, "") for t in texts]
        self._joined = SEPARATOR.join(texts)
        self._starts = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum([len(t) + 1 for t in texts], out=self._starts[1:])

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
        if not word:
            return np.arange(len(self), dtype=np.int32)
        at = np.fromiter((m.start() for m in re.finditer(re.escape(word), self._joined)), np.int64)
        rows = np.unique(np.searchsorted(self._starts, at, side="right") - 1).astype(np.int32)
        rows.flags.writeable = False   # callers may share it (memoised)
        return rows
