"""Approximate nearest-neighbour index of one embedding model's windows: faiss IVF, fp16 codes.

Chosen by measurement: e5 vectors of 186,500 windows (the five plans replicated 100x, copies
perturbed to cosine 0.97 with the original), 2 shared cores, 300 windows fetched per query,
recall@20 of chunks against exact float32 search, median query time:

  library / index                      build    memory   query    recall@20
  faiss IVF fp16 (1,024 lists, 64)     12.5 s   198 MB   0.8 ms   0.99   (128 lists probed: 1.4 ms, 1.00)
  faiss IVF int8 (1,024 lists, 64)     10.5 s    32 MB   0.9 ms   0.975
  faiss HNSW fp16 (M 32, ef 512)       29.8 s   197 MB   1.3 ms   0.76
  usearch 2.26 HNSW f16 / i8 (ef 512)  80 / 42 s  194 / 119 MB  1.4 / 0.8 ms  0.46 / 0.49
  hnswlib 0.8 HNSW f32                 could not return 300 neighbours (ef 300)
  exact float32 scan                   -        -       28 ms    1

Plans repeat one another's wording, so their vectors come in tight clusters: the graph indexes
get stuck inside one, inverted lists do not. faiss also filters during the scan
(IDSelectorBitmap) and memory-maps its index file.
"""
from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

import config
from index.rows import row_blocks
from index.vectors import cpu_count

# Idle OpenMP threads must sleep, not spin (see E5Encoder); read when faiss loads its runtime.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import faiss  # noqa: E402

def n_lists(n_windows: int) -> int:
    """IVF lists for a number of windows: ANN_LISTS_PER_SQRT × sqrt(n), at least 39 training
    points per list (faiss' k-means minimum)."""
    return max(1, min(round(config.ANN_LISTS_PER_SQRT * math.sqrt(n_windows)), n_windows // 39))


def build_ann(path: Path, dtype, n: int, dim: int) -> faiss.Index:
    """IVF index (inner product, fp16 codes) of the n unit window vectors (rows of `dim` values of
    dtype) in the row file at path; its ids are the window rows. The file is streamed in blocks, so
    the matrix is never held beside the index's codes. Trained on a fixed-seed sample, so a build
    is reproducible."""
    nlist = n_lists(n)
    index = faiss.IndexIVFScalarQuantizer(faiss.IndexFlatIP(dim), dim, nlist,
                                          faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT)
    faiss.omp_set_num_threads(cpu_count())
    sample = np.sort(np.random.default_rng(0).choice(n, min(n, 64 * nlist), replace=False))
    train = np.empty((len(sample), dim), dtype=np.float32)
    for at, block in row_blocks(path, dtype, dim, 0, n):
        lo, hi = np.searchsorted(sample, [at, at + len(block)])
        train[lo:hi] = block[sample[lo:hi] - at]
    index.train(train)
    del train
    return grow_ann(index, path, dtype, n, dim)


def grow_ann(index: faiss.Index, path: Path, dtype, n: int, dim: int) -> faiss.Index:
    """The index with the windows of the row file at path past its last one added, up to n (ids
    continue the rows; the lists keep the centroids they were trained with)."""
    for _, block in row_blocks(path, dtype, dim, index.ntotal, n):
        index.add(np.ascontiguousarray(block, dtype=np.float32))
    return index


def read_ann(path) -> faiss.Index:
    """Read a saved ANN index into memory (to grow it)."""
    return faiss.read_index(str(path))


def write_ann(index: faiss.Index, path) -> None:
    """Save an ANN index."""
    faiss.write_index(index, str(path))


def load_ann(path) -> faiss.Index:
    """Open a saved ANN index memory-mapped (its lists are read from disk as queries touch them)."""
    return faiss.read_index(str(path), faiss.IO_FLAG_MMAP)


def search_ann(index: faiss.Index, q: np.ndarray, k: int,
               window_mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(scores, window rows) of the k windows closest to unit vector q, best first (rows -1 past
    the last match), among the windows of window_mask when given. A filter scans proportionally
    more lists, so that as many allowed windows are seen as without it."""
    share = 1.0 if window_mask is None else max(window_mask.mean(), 1e-9)
    nprobe = min(index.nlist, max(config.ANN_MIN_PROBE, math.ceil(config.ANN_PROBE_SHARE * index.nlist / share)))
    bits = None if window_mask is None else np.packbits(window_mask, bitorder="little")
    sel = None if bits is None else faiss.IDSelectorBitmap(len(window_mask), faiss.swig_ptr(bits))
    params = faiss.SearchParametersIVF(sel=sel, nprobe=nprobe)
    scores, rows = index.search(np.asarray(q, dtype=np.float32)[None], k, params=params)
    return scores[0], rows[0]
