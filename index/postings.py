"""Raw keyword statistics of an index, in chunk-table order, and the BM25F weight matrix derived from them.

A build reads, off whoosh's postings, every (chunk, field, term) frequency and every chunk's stored
field length. These raw statistics depend on each chunk alone, so a later build reuses those of the
plans it keeps and reads only the new plans' off whoosh; the corpus-wide parts of BM25F (idf,
average field lengths) are then recomputed over all of them in a few vectorised passes.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

POSTINGS = "postings.npz"


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


def save_postings(directory: Path, p: Postings) -> None:
    """Write the statistics beside the index (npy arrays in one uncompressed npz, no pickle)."""
    np.savez(directory / POSTINGS, rows=p.rows, cols=p.cols, fields=p.fields, tf=p.tf, lengths=p.lengths)


def load_postings(directory: Path) -> Postings:
    """Read statistics written by save_postings."""
    with np.load(directory / POSTINGS, allow_pickle=False) as f:
        return Postings(f["rows"], f["cols"], f["fields"], f["tf"], f["lengths"])


def bm25f_matrix(p: Postings, n_terms: int, boosts: list[float], B: float, K1: float) -> sp.csc_matrix:
    """The BM25F weight of every (chunk, term), as whoosh's BM25F computes it with every document live:

        w_f(d, t) = idf_f(t) · tf·(K1+1) / (tf + K1·(1 − B + B·len_f(d)/avglen_f))
        idf_f(t) = log(N / (df_f(t) + 1)) + 1

    with tf the posting weight, len_f(d) the stored field length and avglen_f the mean of the exact
    field lengths (a field's exact length is its frequencies summed: whoosh counts every token once).
    A term's column sums its fields. Returns a float32 CSC matrix (rows × n_terms)."""
    n_rows, n_fields = p.lengths.shape
    rows, fields = p.rows.astype(np.int64), p.fields.astype(np.int64)
    tf = p.tf.astype(np.float64)
    boost = np.asarray(boosts, dtype=np.float64)
    exact = np.bincount(fields, weights=tf / boost[fields], minlength=n_fields)
    avg = exact / max(1, n_rows)
    avg[avg == 0] = 1.0
    df = np.bincount(fields * n_terms + p.cols, minlength=n_fields * n_terms)
    idf = np.log(max(1, n_rows) / (df + 1.0)) + 1.0
    norm = K1 * ((1 - B) + B * p.lengths[rows, fields].astype(np.float64) / avg[fields])
    w = idf[fields * n_terms + p.cols] * (tf * (K1 + 1)) / (tf + norm)
    # CSC (column-compressed) so that picking the query's term columns touches only their postings;
    # entries of one (chunk, term) from different fields are summed.
    matrix = sp.csc_matrix((w.astype(np.float32), (p.rows, p.cols)), shape=(n_rows, n_terms))
    matrix.sum_duplicates()
    return matrix
