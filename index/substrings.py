"""A character-bigram index of the chunks' searchable texts, for exact substring look-ups.

Words that are not index terms (a thesaurus form jieba splits, a colloquial word of a query) and
quoted phrases are matched as substrings of the chunks' texts. Scanning the text of a national
corpus (80 M characters) costs 50-80 ms a word; the chunks holding every bigram of a word are a
superset of those holding the word, so a look-up intersects a few posting lists and checks the
few candidates' texts. Texts are indexed as UTF-16 code units, so characters outside the BMP are
pairs of units and match like any other.

Files (in the index folder): the distinct bigram codes (sorted), each code's start in the rows,
and the chunk rows holding each bigram (sorted, distinct within a code). They cover the first
`rows` chunks of the table (the base); chunks appended since are scanned.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from index.rows import read_rows, write_rows
from index.tokenize import normalize

CODES, INDPTR, ROWS = "bigram-codes.u32", "bigram-indptr.i64", "bigram-rows.i32"
SEPARATOR = "\x00"   # between texts joined into one string; never inside a text, so no match spans two
_BLOCK = 32_768   # chunks coded at a time (bounds the build's transient memory)


def match_text(heading_path: list[str], text: str) -> str:
    """A chunk's searchable text: heading path and text, normalised, spaces removed."""
    return normalize(" ".join(heading_path) + " " + text).replace(" ", "").replace(SEPARATOR, "")


def units(text: str) -> np.ndarray:
    """The UTF-16 code units of a text."""
    return np.frombuffer(text.encode("utf-16-le"), dtype="<u2")


def bigram_codes(u: np.ndarray) -> np.ndarray:
    """The code (first unit × 65536 + second unit) of every pair of neighbouring units."""
    return (u[:-1].astype(np.uint32) << 16) | u[1:]


def _block_pairs(texts: list[str], first_row: int) -> np.ndarray:
    """Distinct (code << 32 | row) of the bigrams of consecutive texts, sorted."""
    u = units(SEPARATOR.join(texts))   # match_text leaves no separator: no bigram spans two texts
    gap = u == ord(SEPARATOR)
    row = np.cumsum(gap, dtype=np.uint64) + np.uint64(first_row)   # each unit's text: separators passed
    keep = ~gap[:-1] & ~gap[1:]
    pairs = (bigram_codes(u)[keep].astype(np.uint64) << np.uint64(32)) | row[:-1][keep]
    pairs.sort()
    return pairs[np.r_[True, pairs[1:] != pairs[:-1]]] if len(pairs) else pairs


def write_bigrams(directory: Path, texts) -> int:
    """Write the bigram index of texts (one per chunk row, in table order); returns how many rows
    it covers."""
    texts = list(texts)
    blocks = [_block_pairs(texts[i:i + _BLOCK], i) for i in range(0, len(texts), _BLOCK)]
    pairs = np.concatenate(blocks) if blocks else np.zeros(0, dtype=np.uint64)
    del blocks
    pairs.sort(kind="stable")   # merges the sorted blocks; they cover disjoint rows, so no pair repeats
    codes, rows = np.empty(len(pairs), dtype=np.uint32), np.empty(len(pairs), dtype=np.int32)
    step = _BLOCK * 64
    for i in range(0, len(pairs), step):   # in slices: no full-size 64-bit temporaries
        codes[i:i + step] = pairs[i:i + step] >> np.uint64(32)
        rows[i:i + step] = pairs[i:i + step] & np.uint64(0xFFFFFFFF)
    del pairs
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]]) if len(codes) else np.zeros(0, dtype=np.int64)
    directory = Path(directory)
    write_rows(directory / CODES, codes[starts])
    write_rows(directory / INDPTR, np.r_[starts, len(rows)].astype(np.int64))
    write_rows(directory / ROWS, rows)
    return len(texts)


class BigramIndex:
    """The bigram index of the first `rows` chunks, memory-mapped (read-only, thread-safe)."""

    def __init__(self, directory: Path, rows: int):
        directory = Path(directory)
        self.rows = rows
        self.codes = np.fromfile(directory / CODES, dtype=np.uint32)
        self.indptr = read_rows(directory / INDPTR, np.int64, (len(self.codes) + 1,))
        n = int(self.indptr[-1])
        if np.any(np.diff(self.indptr) < 0) or np.any(np.diff(self.codes.astype(np.int64)) <= 0) \
                or (directory / ROWS).stat().st_size != 4 * n:
            raise ValueError("bigram index is damaged")
        self.row_ids = read_rows(directory / ROWS, np.int32, (n,), mmap=True)

    def candidates(self, word_units: np.ndarray) -> np.ndarray:
        """Rows (sorted) holding every bigram of a word (its UTF-16 units, 2 or more): a superset of
        the rows holding the word."""
        wanted = np.unique(bigram_codes(word_units))
        at = np.searchsorted(self.codes, wanted)
        if np.any(at >= len(self.codes)) or np.any(self.codes[np.minimum(at, len(self.codes) - 1)] != wanted):
            return np.zeros(0, dtype=np.int32)   # some bigram occurs nowhere
        lists = sorted((self.row_ids[self.indptr[a]:self.indptr[a + 1]] for a in at), key=len)
        rows = np.asarray(lists[0])
        for other in lists[1:]:
            if not len(rows):
                break
            rows = np.intersect1d(rows, other, assume_unique=True)
        return rows
