"""Chunks ranked by one embedding model's windows: an exact scan, or the ANN index at scale."""
from __future__ import annotations

import functools

import numpy as np

import config
from index.ann import search_ann


class SemanticLeg:
    """One embedding model's window vectors (rows contiguous per chunk, in chunk order) and how
    chunks are ranked by them: a chunk scores as its best window. Without an ANN index every
    window is scanned (float32); with one, the ANN answers for the windows it holds (the index's
    base) and the tail of windows appended since is scanned exactly, unless a filter leaves at
    most ANN_EXACT_MAX_WINDOWS windows, which are then all scanned exactly."""

    def __init__(self, windows: np.ndarray, starts: np.ndarray, owner: np.ndarray, chunks: np.ndarray,
                 ann=None):
        self.windows = windows
        self.starts = starts
        self.owner = owner
        self.chunks = chunks   # each chunk's own vector (its first window: heading + text)
        self.ann = ann
        # The side-by-side view ranks the same query vector once per plan, under another plan filter.
        self._chunk_scores = functools.lru_cache(maxsize=16)(self._score_chunks)

    def rank(self, q: np.ndarray, allowed: np.ndarray | None, pool: int) -> list[tuple[int, float]]:
        """Up to pool (chunk row, cosine) pairs for a unit query vector, best first, among the
        allowed chunks (boolean mask; None = all)."""
        if self.ann is None:
            return self._scan_all(q, allowed, pool)
        window_mask = None if allowed is None else allowed[self.owner]
        if window_mask is not None and np.count_nonzero(window_mask) <= config.ANN_EXACT_MAX_WINDOWS:
            return self._scan_rows(q, np.flatnonzero(window_mask), pool)
        base = self.ann.ntotal
        found = self._approximate(q, None if window_mask is None else window_mask[:base], pool)
        if base == len(self.owner):
            return found
        tail = base + (np.arange(len(self.owner) - base) if window_mask is None else np.flatnonzero(window_mask[base:]))
        return sorted(found + self._scan_rows(q, tail, pool), key=lambda x: -x[1])[:pool]

    def _scan_all(self, q, allowed, pool) -> list[tuple[int, float]]:
        scores = self._chunk_scores(q.dtype.str, q.tobytes())
        if allowed is not None:
            scores = np.where(allowed, scores, -np.inf)
        k = min(pool, len(scores))
        if k == 0:
            return []
        idx = np.argpartition(-scores, k - 1)[:k]
        idx = idx[np.argsort(-scores[idx])]
        idx = idx[np.isfinite(scores[idx])]
        return list(zip(idx.tolist(), scores[idx].tolist()))

    def _score_chunks(self, dtype: str, q: bytes) -> np.ndarray:
        """Every chunk's best-window cosine with a query vector (given as its dtype and bytes;
        read-only, memoised as _chunk_scores)."""
        scores = np.maximum.reduceat(self.windows @ np.frombuffer(q, dtype=dtype), self.starts)
        scores.flags.writeable = False
        return scores

    def _scan_rows(self, q, rows: np.ndarray, pool: int) -> list[tuple[int, float]]:
        """Exact ranking over some windows (sorted rows, so each chunk's windows are adjacent)."""
        if len(rows) == 0:
            return []
        sims = np.asarray(self.windows[rows], dtype=np.float32) @ q
        owners = self.owner[rows]
        firsts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
        scores, chunks = np.maximum.reduceat(sims, firsts), owners[firsts]
        k = min(pool, len(scores))
        idx = np.argpartition(-scores, k - 1)[:k]
        idx = idx[np.argsort(-scores[idx], kind="stable")]
        return [(int(chunks[i]), float(scores[i])) for i in idx]

    def _approximate(self, q, window_mask, pool: int) -> list[tuple[int, float]]:
        """ANN windows reduced to chunks (the first hit of a chunk is its best window); fetches
        ANN_OVERFETCH windows per wanted chunk, more when too few distinct chunks came back.
        window_mask covers the ANN's windows only."""
        available = self.ann.ntotal if window_mask is None else int(np.count_nonzero(window_mask))
        if available == 0:
            return []
        k = min(available, pool * config.ANN_OVERFETCH)
        while True:
            scores, rows = search_ann(self.ann, q, k, window_mask)
            best: dict[int, float] = {}
            for row, score in zip(rows.tolist(), scores.tolist()):
                if row >= 0:
                    best.setdefault(int(self.owner[row]), score)
            if len(best) >= pool or k >= available:
                return list(best.items())[:pool]
            k = min(available, k * 4)
