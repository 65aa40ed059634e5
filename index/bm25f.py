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
from index.rows import block_rows, read_rows, records, write_rows

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
        key = p.cols.astype(np.int32 if n_columns < 2 ** 31 else np.int64) * n_fields + p.fields
        order = np.argsort(key, kind="stable")
        indptr = np.zeros(n_columns + 1, dtype=np.int64)
        np.cumsum(np.bincount(key, minlength=n_columns), out=indptr[1:])
        del key
        return cls(indptr, np.asarray(p.rows)[order].astype(np.int32, copy=False),
                   np.asarray(p.tf)[order].astype(np.float32, copy=False))

    def df(self, n_columns: int) -> np.ndarray:
        """Entries per column, padded with zeros to n_columns."""
        counts = np.diff(self.indptr)
        return np.pad(counts, (0, max(0, n_columns - len(counts))))


def write_base(directory: Path, columns: Columns) -> None:
    """Save the base postings, sorted by column (their records made a block at a time)."""
    write_rows(Path(directory) / BASE_INDPTR, columns.indptr)
    write_rows(Path(directory) / BASE_ENTRIES, records(_ENTRY, row=columns.rows, tf=columns.tf))


def read_base(directory: Path, n_columns: int, n_entries: int) -> Columns:
    """The base postings written by write_base, memory-mapped."""
    indptr = read_rows(Path(directory) / BASE_INDPTR, np.int64, (n_columns + 1,))
    entries = read_rows(Path(directory) / BASE_ENTRIES, _ENTRY, (n_entries,), mmap=True)
    if indptr[-1] != n_entries or np.any(np.diff(indptr) < 0):
        raise ValueError("keyword base postings are damaged")
    return Columns(indptr, entries["row"], entries["tf"])


def exact_lengths(p: Postings, boosts: np.ndarray) -> np.ndarray:
    """Each field's exact length summed over the chunks (frequencies: weights over field boosts),
    a block of postings at a time."""
    total = np.zeros(len(boosts), dtype=np.float64)
    step = block_rows(8)   # the widest copy made per posting: its float64 weight
    for i in range(0, len(p.fields), step):
        fields = np.asarray(p.fields[i:i + step], dtype=np.int64)
        total += np.bincount(fields, weights=np.asarray(p.tf[i:i + step], dtype=np.float64) / boosts[fields],
                             minlength=len(boosts))
    return total


class BM25FScorer:
    """BM25F over the base and tail postings of n_rows chunks (read-only, thread-safe)."""

    def __init__(self, parts: list[Columns], lengths: np.ndarray, exact: np.ndarray, n_terms: int,
                 B: float, K1: float):
        n_rows, self.n_fields = lengths.shape
        self.parts, self.n_rows, self.K1 = parts, n_rows, K1
        avg = np.asarray(exact, dtype=np.float64) / max(1, n_rows)
        avg[avg == 0] = 1.0
        # One contiguous float32 array per field: a column's postings gather from one of them.
        norm = K1 * ((1 - B) + B * np.asarray(lengths, dtype=np.float64) / avg)
        self.norm = [np.ascontiguousarray(norm[:, f], dtype=np.float32) for f in range(self.n_fields)]
        n_columns = n_terms * self.n_fields
        df = sum(part.df(n_columns) for part in parts)
        self.idf = np.log(max(1, n_rows) / (df + 1.0)) + 1.0

    def _postings(self, terms: np.ndarray):
        """(position in `terms`, field, rows, weights) of every non-empty column of the terms, per part."""
        for k, term in enumerate(terms.tolist()):
            for f in range(self.n_fields):
                c = term * self.n_fields + f
                for part in self.parts:
                    if c + 1 < len(part.indptr) and part.indptr[c + 1] > part.indptr[c]:
                        a, b = part.indptr[c], part.indptr[c + 1]
                        yield k, f, c, part.rows[a:b], part.tf[a:b]

    def scores(self, terms: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Score of every chunk for vocabulary columns `terms` weighted by `weights`."""
        out = np.zeros(self.n_rows, dtype=np.float64)
        for k, f, c, rows, tf in self._postings(terms):
            # rows are distinct within a column, so the scatter-add adds each posting once
            out[rows] += np.float32(weights[k] * self.idf[c] * (self.K1 + 1)) * tf / (tf + self.norm[f][rows])
        return out

    def rows_with(self, terms: np.ndarray) -> np.ndarray:
        """Rows (sorted) of the chunks holding any of the terms in any field."""
        rows = [r for *_, r, _ in self._postings(terms)]
        return np.unique(np.concatenate(rows)) if rows else np.zeros(0, dtype=np.int64)
