"""Append-only row files: raw arrays and JSON lines that a build extends in place, each build reading
its own prefix.

A build that only adds plans hard-links the previous build's file into its own folder and appends
the new rows to it: the previous build (which may still be serving) keeps reading the rows it
recorded in its meta.json, which are never touched. Bytes past that prefix (left by a build killed
half way) are cut before appending. The row counts live in meta.json, not in the files.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

BLOCK_BYTES = 64 << 20   # a build streams large arrays (vectors, postings) in blocks of about this size


def block_rows(row_nbytes: int) -> int:
    """Rows of row_nbytes bytes in one block of BLOCK_BYTES."""
    return max(1, BLOCK_BYTES // max(1, row_nbytes))


def row_bytes(rows) -> memoryview:
    """The bytes of rows (an array or bytes) as a flat view: an array is not copied when it is
    already contiguous (a build writes matrices of gigabytes)."""
    if isinstance(rows, (bytes, bytearray, memoryview)):
        return memoryview(rows).cast("B")
    return memoryview(np.ascontiguousarray(rows).reshape(-1).view(np.uint8))


def _pieces(rows):
    """rows as byte views: one for an array or bytes, one per block for an iterator of blocks."""
    if isinstance(rows, (bytes, bytearray, memoryview, np.ndarray)):
        return [row_bytes(rows)]
    return (row_bytes(block) for block in rows)


def gathered(matrix: np.ndarray, rows: np.ndarray):
    """The given rows of a matrix as an iterator of blocks (to write them without a copy of them all)."""
    step = block_rows(matrix[:1].nbytes)
    return (matrix[rows[i:i + step]] for i in range(0, len(rows), step))


def records(dtype, **columns):
    """Equal-length column arrays as an iterator of blocks of structured records of dtype (to write
    them without a record copy of them all)."""
    dtype = np.dtype(dtype)
    n = len(next(iter(columns.values())))
    step = block_rows(dtype.itemsize)
    for i in range(0, n, step):
        out = np.empty(min(step, n - i), dtype=dtype)
        for name, column in columns.items():
            out[name] = column[i:i + step]
        yield out


def write_rows(path: Path, rows) -> int:
    """Write rows (an array, bytes, or an iterator of arrays written in turn) as a new file; returns
    its length in bytes."""
    with open(path, "wb") as f:
        return sum(f.write(piece) for piece in _pieces(rows))


def extend_rows(previous: Path, path: Path, keep_bytes: int, rows) -> int:
    """Make `path` the previous build's file `previous` (a hard link: nothing copied) cut to its first
    keep_bytes bytes, followed by rows (as for write_rows); returns the new length in bytes. Raises
    ValueError when the file is shorter than keep_bytes."""
    os.link(previous, path)
    with open(path, "r+b") as f:
        size = f.seek(0, os.SEEK_END)
        if size < keep_bytes:
            raise ValueError(f"{previous} holds {size} bytes, fewer than the {keep_bytes} its index recorded")
        f.truncate(keep_bytes)
        f.seek(keep_bytes)
        return keep_bytes + sum(f.write(piece) for piece in _pieces(rows))


def read_rows(path: Path, dtype, shape: tuple[int, ...], mmap: bool = False) -> np.ndarray:
    """The first rows of a row file, read whole or memory-mapped (read-only). Raises ValueError
    when the file holds fewer."""
    dtype = np.dtype(dtype)
    count = int(np.prod(shape))
    if count == 0:
        return np.zeros(shape, dtype=dtype)
    if mmap:
        return np.memmap(path, dtype=dtype, mode="r", shape=shape)   # ValueError when the file is short
    data = np.fromfile(path, dtype=dtype, count=count)
    if len(data) < count:
        raise ValueError(f"{path} holds {len(data)} values, fewer than {count}")
    return data.reshape(shape)


def row_blocks(path: Path, dtype, dim: int, start: int, stop: int):
    """Rows start..stop of a row file of `dim` columns, as (first row, block of rows) pairs read with
    plain reads: unlike a memory map, the pages read never count against the process, so a build
    can stream a matrix of gigabytes it no longer holds. Raises ValueError when the file holds
    fewer rows."""
    dtype = np.dtype(dtype)
    step = block_rows(dim * dtype.itemsize)
    with open(path, "rb") as f:
        for at in range(start, stop, step):
            count = min(step, stop - at) * dim
            f.seek(at * dim * dtype.itemsize)
            data = np.fromfile(f, dtype=dtype, count=count)
            if len(data) < count:
                raise ValueError(f"{path} holds fewer than {stop} rows of {dim} values")
            yield at, data.reshape(-1, dim)


def json_lines(items) -> bytes:
    """Items as JSON lines (a JSON string never holds a raw newline, so lines split items)."""
    return "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in items).encode("utf-8")


def read_json_lines(path: Path, n_bytes: int, object_hook=None) -> list:
    """The items of the first n_bytes of a JSON-lines file, decoded in one pass."""
    with open(path, "rb") as f:
        data = f.read(n_bytes)
    if len(data) < n_bytes:
        raise ValueError(f"{path} holds {len(data)} bytes, fewer than {n_bytes}")
    text = data.decode("utf-8").rstrip("\n")
    return json.loads("[" + text.replace("\n", ",") + "]", object_hook=object_hook)
