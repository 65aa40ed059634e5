"""Raw keyword statistics of an index, in chunk-table order, kept in append-only row files.

A build reads, off whoosh's postings, every (chunk, field, term) frequency and every chunk's stored
field length. These raw statistics depend on each chunk alone, so a later build reuses those of the
plans it keeps and reads only the new plans' off whoosh: a build that only adds plans appends their
statistics to the previous build's files (index/rows.py). The corpus-wide parts of BM25F (idf,
average field lengths) are computed from them when the index is opened (index/bm25f.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.rows import read_rows, records

POSTINGS, LENGTHS = "postings.bin", "lengths.f32"
# One posting on disk: chunk row, vocabulary column, field, weight (13 bytes, packed).
POSTING = np.dtype([("row", "<i4"), ("col", "<i4"), ("field", "i1"), ("tf", "<f4")])


@dataclass
class Postings:
    """Term frequencies of a set of chunks: one entry per (row, field, term) that occurs, sorted by
    row, and each row's stored (whoosh byte-quantised) field lengths."""
    rows: np.ndarray      # int32 chunk row
    cols: np.ndarray      # int32 column in the vocabulary (a term, whatever the field)
    fields: np.ndarray    # int8 index into the searchable fields
    tf: np.ndarray        # float32 posting weight: frequency × field boost
    lengths: np.ndarray   # float32 (rows, fields) stored field lengths

    @classmethod
    def empty(cls, n_rows: int, n_fields: int) -> "Postings":
        """Statistics of n_rows chunks without a single term."""
        z = np.zeros(0, dtype=np.int32)
        return cls(z, z, z.astype(np.int8), z.astype(np.float32), np.zeros((n_rows, n_fields), np.float32))

    def rows_between(self, start: int, end: int) -> "Postings":
        """The statistics of rows start..end-1, renumbered from 0."""
        lo, hi = np.searchsorted(self.rows, [start, end])
        return Postings(self.rows[lo:hi] - start, self.cols[lo:hi], self.fields[lo:hi], self.tf[lo:hi],
                        self.lengths[start:end])

    def shifted(self, offset: int) -> "Postings":
        """The same statistics with every row number moved up by offset."""
        return Postings(self.rows + np.int32(offset), self.cols, self.fields, self.tf, self.lengths)

    @staticmethod
    def concat(parts: list["Postings"], n_fields: int) -> "Postings":
        """The parts one after another (each part's rows shifted past the rows before it)."""
        if not parts:
            return Postings.empty(0, n_fields)
        offsets = np.cumsum([0] + [len(p.lengths) for p in parts])
        return Postings(np.concatenate([p.rows + np.int32(o) for p, o in zip(parts, offsets)]).astype(np.int32),
                        np.concatenate([p.cols for p in parts]).astype(np.int32),
                        np.concatenate([p.fields for p in parts]).astype(np.int8),
                        np.concatenate([p.tf for p in parts]).astype(np.float32),
                        np.concatenate([p.lengths for p in parts]).astype(np.float32))


def posting_rows(p: Postings):
    """The postings as the records of their row file, an iterator of blocks (a build writes tens of
    millions of them without holding a second copy)."""
    return records(POSTING, row=p.rows, col=p.cols, field=p.fields, tf=p.tf)


def length_rows(p: Postings) -> np.ndarray:
    """The stored field lengths as the rows of their row file."""
    return np.ascontiguousarray(p.lengths, dtype=np.float32)


def read_postings(directory: Path, n_rows: int, n_postings: int, n_fields: int, start: int = 0,
                  mmap: bool = False) -> Postings:
    """The statistics of the first n_rows chunks (n_postings postings) from their row files; postings
    before `start` are left out (their rows' lengths are still read)."""
    entries = read_rows(Path(directory) / POSTINGS, POSTING, (n_postings,), mmap=mmap)[start:]
    lengths = read_rows(Path(directory) / LENGTHS, np.float32, (n_rows, n_fields), mmap=mmap)
    return Postings(entries["row"], entries["col"], entries["field"], entries["tf"], lengths)
