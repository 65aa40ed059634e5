"""BM25F scores computed at query time from raw postings, over the query's terms alone.

The score is whoosh's BM25F with every document live:

    w_f(d, t) = idf_f(t) · tf·(K1+1) / (tf + K1·(1 − B + B·len_f(d)/avglen_f))
    idf_f(t) = log(N / (df_f(t) + 1)) + 1

with tf the posting weight (frequency × field boost), len_f(d) the stored field length and avglen_f
the mean of the exact field lengths (a field's exact length is its frequencies summed: whoosh counts
every token once); a term's score sums its fields. The corpus-wide parts (N, df, avglen) are computed
when the index is opened, so adding plans never rewrites the postings of the others.

Postings are read by column (term × field): the base, sorted once by column on disk and memory-mapped,
plus the tail appended since (index/rows.py), sorted by column in memory.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.postings import Postings
from index.rows import read_rows

BASE_INDPTR, BASE_ENTRIES = "base-indptr.i64", "base-entries.bin"
_ENTRY = np.dtype([("row", "<i4"), ("tf", "<f4")])


@dataclass
class Columns:
    """Postings sorted by column (term × n_fields + field): column c holds entries indptr[c]:indptr[c+1]."""
    indptr: np.ndarray    # int64, n_columns + 1
    rows: np.ndarray      # int32 chunk row of every entry
    tf: np.ndarray        # float32 posting weight of every entry

    @classmethod
    def of(cls, p: Postings, n_fields: int, n_columns: int) -> "Columns":
        """Postings (sorted by row) regrouped by column; rows stay ascending within a column."""
        key = p.cols.astype(np.int64) * n_fields + p.fields
        order = np.argsort(key, kind="stable")
        indptr = np.zeros(n_columns + 1, dtype=np.int64)
        np.cumsum(np.bincount(key, minlength=n_columns), out=indptr[1:])
        return cls(indptr, np.asarray(p.rows)[order].astype(np.int32), np.asarray(p.tf)[order].astype(np.float32))

    def df(self, n_columns: int) -> np.ndarray:
        """Entries per column, padded with zeros to n_columns."""
        counts = np.diff(self.indptr)
        return np.pad(counts, (0, max(0, n_columns - len(counts))))

    def take(self, columns: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(rows, weights, position in `columns`) of the entries of the given columns."""
        n = len(self.indptr) - 1   # columns of terms newer than these postings hold nothing
        spans = [(self.indptr[c], self.indptr[c + 1]) if c < n else (0, 0) for c in columns.tolist()]
        if not spans or not any(b > a for a, b in spans):
            z = np.zeros(0, dtype=np.int64)
            return z, z.astype(np.float32), z
        rows = np.concatenate([self.rows[a:b] for a, b in spans])
        tf = np.concatenate([self.tf[a:b] for a, b in spans])
        which = np.repeat(np.arange(len(spans)), [b - a for a, b in spans])
        return rows, tf, which


def write_base(directory: Path, columns: Columns) -> None:
    """Save the base postings, sorted by column."""
    entries = np.empty(len(columns.rows), dtype=_ENTRY)
    entries["row"], entries["tf"] = columns.rows, columns.tf
    (Path(directory) / BASE_INDPTR).write_bytes(columns.indptr.tobytes())
    (Path(directory) / BASE_ENTRIES).write_bytes(entries.tobytes())


def read_base(directory: Path, n_columns: int, n_entries: int) -> Columns:
    """The base postings written by write_base, memory-mapped."""
    indptr = read_rows(Path(directory) / BASE_INDPTR, np.int64, (n_columns + 1,))
    entries = read_rows(Path(directory) / BASE_ENTRIES, _ENTRY, (n_entries,), mmap=True)
    if indptr[-1] != n_entries or np.any(np.diff(indptr) < 0):
        raise ValueError("keyword base postings are damaged")
    return Columns(indptr, entries["row"], entries["tf"])


def exact_lengths(p: Postings, boosts: np.ndarray) -> np.ndarray:
    """Each field's exact length summed over the chunks (frequencies: weights over field boosts)."""
    fields = np.asarray(p.fields, dtype=np.int64)
    return np.bincount(fields, weights=np.asarray(p.tf, dtype=np.float64) / boosts[fields], minlength=len(boosts))


class BM25FScorer:
    """BM25F over the base and tail postings of n_rows chunks (read-only, thread-safe)."""

    def __init__(self, parts: list[Columns], lengths: np.ndarray, exact: np.ndarray, n_terms: int,
                 B: float, K1: float):
        n_rows, self.n_fields = lengths.shape
        self.parts, self.n_rows, self.K1 = parts, n_rows, K1
        avg = np.asarray(exact, dtype=np.float64) / max(1, n_rows)
        avg[avg == 0] = 1.0
        self.norm = K1 * ((1 - B) + B * np.asarray(lengths, dtype=np.float64) / avg)   # (rows, fields)
        n_columns = n_terms * self.n_fields
        df = sum(part.df(n_columns) for part in parts)
        self.idf = np.log(max(1, n_rows) / (df + 1.0)) + 1.0

    def _entries(self, terms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(rows, BM25F weights, position in `terms`) of every posting of the terms, in all fields."""
        columns = (terms[:, None] * self.n_fields + np.arange(self.n_fields)).ravel()
        rows, weights, which = [], [], []
        for part in self.parts:
            r, tf, k = part.take(columns)
            if len(r):
                col = columns[k]
                tf = tf.astype(np.float64)
                w = self.idf[col] * tf * (self.K1 + 1) / (tf + self.norm[r, col % self.n_fields])
                rows.append(r), weights.append(w), which.append(k // self.n_fields)
        if not rows:
            z = np.zeros(0, dtype=np.int64)
            return z, z.astype(np.float64), z
        return np.concatenate(rows), np.concatenate(weights), np.concatenate(which)

    def scores(self, terms: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Score of every chunk for vocabulary columns `terms` weighted by `weights`."""
        rows, w, which = self._entries(terms)
        return np.bincount(rows, weights=w * weights[which], minlength=self.n_rows)

    def rows_with(self, terms: np.ndarray) -> np.ndarray:
        """Rows (sorted) of the chunks holding any of the terms in any field."""
        return np.unique(self._entries(terms)[0])
