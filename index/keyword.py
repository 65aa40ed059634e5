"""Keyword index: whoosh inverted index on disk plus a BM25F weight matrix derived from its postings.

A full build writes the whoosh index (text / heading / lead plus filterable id fields), walks that
index's own postings once and stores, beside it, the raw statistics of every (chunk, term, field)
(postings.npz) and the BM25F weight of every (chunk, term) pair as a sparse matrix (chunks ×
vocabulary, heading/lead weighted by their field boosts, idf and average field lengths exactly as
whoosh's BM25F computes them). An update links the previous build's whoosh files, deletes the
chunks of changed or removed plans and analyses only the new chunks; the raw statistics of every
other chunk are copied, so only the (cheap) weight matrix is recomputed over the whole table.

A query is one sparse mat-vec product instead of whoosh scoring every matching posting in Python:
score = matrix[:, term columns] @ query weights, which equals whoosh's
Or(Term(field, term, boost=weight) for every term and field).
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from whoosh import index as windex
from whoosh.fields import ID, TEXT, Schema
from whoosh.filedb.filestore import RamStorage
from whoosh.scoring import BM25F

import config
from index.postings import POSTINGS, Postings, bm25f_matrix, load_postings, save_postings
from index.tokenize import analyzer

FILTER_FIELDS = ("plan_id", "level", "kind", "phase")
SEARCH_FIELDS = ("text", "heading", "lead")
# BM25F matrix files, written inside the whoosh index directory.
MATRIX, VOCAB, DOCS = "bm25f.npz", "bm25f_vocab.json", "bm25f_docs.json"
_OWN_FILES = {MATRIX, VOCAB, DOCS, POSTINGS}   # ours, beside whoosh's files (rewritten by every build)


def schema() -> Schema:
    """Searchable fields text/heading/lead (heading and lead boosted), filterable stored ids."""
    return Schema(
        chunk_id=ID(stored=True, unique=True),
        plan_id=ID(stored=True), level=ID(stored=True),
        kind=ID(stored=True), phase=ID(stored=True),
        text=TEXT(analyzer=analyzer(), phrase=False),
        heading=TEXT(analyzer=analyzer(), phrase=False, field_boost=config.HEADING_BOOST),
        lead=TEXT(analyzer=analyzer(), phrase=False, field_boost=config.LEAD_BOOST),
    )


def weighting() -> BM25F:
    """The BM25F model whose arithmetic the weight matrix reproduces."""
    return BM25F(B=config.BM25_B, K1=config.BM25_K1)


def write_index(directory: Path, docs: list[dict]) -> None:
    """Create a whoosh index in `directory` from dicts with the schema's fields, its raw statistics
    and its BM25F weight matrix (docs in chunk-table order: a doc's position is its row)."""
    directory.mkdir(parents=True, exist_ok=True)
    ix = windex.create_in(str(directory), schema())
    _add(ix, docs, [])
    vocab: dict[str, int] = {}
    postings = read_postings(ix, {d["chunk_id"]: i for i, d in enumerate(docs)}, vocab)
    write_matrix(directory, postings, vocab, [d["chunk_id"] for d in docs])


def update_index(previous: Path, directory: Path, docs: list[dict], source: list[int],
                 drop_plans: list[str]) -> None:
    """Write into `directory` the keyword index of the chunk table `docs`, reusing the index in
    `previous`: whoosh's files are linked (a commit never rewrites a file, it writes new ones), the
    chunks of drop_plans are deleted from it and only new chunks are analysed and added.
    source[i] is the row of the previous index whose raw statistics chunk i has, or -1 for a new
    chunk."""
    directory.mkdir(parents=True, exist_ok=True)
    for f in Path(previous).iterdir():
        if f.is_file() and f.name not in _OWN_FILES and not f.name.endswith("LOCK"):
            os.link(f, directory / f.name)
    vocab: dict[str, int] = json.loads((Path(previous) / VOCAB).read_text(encoding="utf-8"))
    old = load_postings(Path(previous))
    source = np.asarray(source, dtype=np.int64)
    fresh_rows = np.flatnonzero(source < 0)
    fresh_docs = [docs[i] for i in fresh_rows]
    _add(windex.open_dir(str(directory)), fresh_docs, drop_plans)
    # The new chunks' statistics, read off a whoosh index of them alone (held in memory).
    ram = RamStorage().create_index(schema())
    _add(ram, fresh_docs, [])
    fresh = read_postings(ram, {d["chunk_id"]: i for i, d in enumerate(fresh_docs)}, vocab)
    # Rows taken in runs: consecutive rows of the previous index (or of the new chunks) are one block.
    # New chunk k is coded k - n - 1 (n new chunks): negative, and rising along a run like old rows.
    n = len(fresh_rows)
    src = np.where(source >= 0, source, np.searchsorted(fresh_rows, np.arange(len(source))) - n - 1)
    breaks = np.flatnonzero(np.diff(src) != 1) + 1 if len(src) else np.zeros(0, dtype=np.int64)
    blocks = []
    for a, b in zip(np.r_[0, breaks], np.r_[breaks, len(src)]):
        if src[a] >= 0:
            blocks.append(old.rows_between(int(src[a]), int(src[b - 1]) + 1))
        else:
            k = int(src[a]) + n + 1
            blocks.append(fresh.rows_between(k, k + (b - a)))
    write_matrix(directory, Postings.concat(blocks, len(SEARCH_FIELDS)), vocab, [d["chunk_id"] for d in docs])


def _add(ix, docs: list[dict], drop_plans: list[str]) -> None:
    writer = ix.writer(limitmb=256)
    for plan_id in drop_plans:
        writer.delete_by_term("plan_id", plan_id)
    for doc in docs:
        writer.add_document(**doc)
    writer.commit()


def _postings(matcher) -> tuple[np.ndarray, np.ndarray]:
    """(doc numbers, weights) of a posting list; weights are term frequency × field boost."""
    ids, weights = [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float64)


def read_postings(ix, row_of: dict[str, int], vocab: dict[str, int]) -> Postings:
    """The raw statistics of the live documents of a whoosh index whose chunk ids are in row_of,
    in row order; terms get columns from vocab (new terms are appended to it)."""
    with ix.searcher(weighting=weighting()) as s:
        reader = s.reader()
        live = {d: row_of[f["chunk_id"]] for d, f in reader.iter_docs() if f["chunk_id"] in row_of}
        docs = np.fromiter(live, np.int64, len(live))
        doc_row = np.full(reader.doc_count_all(), -1, dtype=np.int64)
        doc_row[docs] = np.fromiter(live.values(), np.int64, len(live))
        lengths = np.zeros((len(row_of), len(SEARCH_FIELDS)), dtype=np.float32)
        rows, cols, fields, tfs = [], [], [], []
        for f, field in enumerate(SEARCH_FIELDS):
            lengths[doc_row[docs], f] = [reader.doc_field_length(int(d), field, 0) or 0 for d in docs]
            fobj = s.schema[field]
            for btext in reader.lexicon(field):
                ids, tf = _postings(reader.postings(field, btext))
                r = doc_row[ids] if len(ids) else ids
                keep = r >= 0
                if not keep.any():
                    continue
                col = vocab.setdefault(fobj.from_bytes(btext), len(vocab))
                rows.append(r[keep])
                cols.append(np.full(int(keep.sum()), col, dtype=np.int32))
                fields.append(np.full(int(keep.sum()), f, dtype=np.int8))
                tfs.append(tf[keep])
    if not rows:
        return Postings.empty(len(row_of), len(SEARCH_FIELDS))
    r = np.concatenate(rows)
    order = np.argsort(r, kind="stable")
    return Postings(r[order].astype(np.int32), np.concatenate(cols)[order], np.concatenate(fields)[order],
                    np.concatenate(tfs)[order].astype(np.float32), lengths)


def write_matrix(directory: Path, postings: Postings, vocab: dict[str, int], chunk_ids: list[str]) -> None:
    """Save the raw statistics, the BM25F weight matrix derived from them, its vocabulary and the
    chunk id of every row."""
    model = weighting()
    boosts = [schema()[f].format.field_boost for f in SEARCH_FIELDS]
    save_postings(directory, postings)
    matrix = bm25f_matrix(postings, len(vocab), boosts, model.B, model.K1)
    sp.save_npz(directory / MATRIX, matrix, compressed=False)
    (directory / VOCAB).write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    (directory / DOCS).write_text(json.dumps(chunk_ids, ensure_ascii=False), encoding="utf-8")


class KeywordIndex:
    """A read-only keyword index: the BM25F weight matrix of the chunk table, with its vocabulary
    (thread-safe: queries only read it)."""

    def __init__(self, directory: Path):
        directory = Path(directory)
        matrix = sp.load_npz(directory / MATRIX)   # np.load(allow_pickle=False) underneath
        self.matrix = sp.csc_matrix(matrix, dtype=np.float32)
        self.vocab: dict[str, int] = json.loads((directory / VOCAB).read_text(encoding="utf-8"))
        self.chunk_ids: list[str] = json.loads((directory / DOCS).read_text(encoding="utf-8"))
        with windex.open_dir(str(directory)).reader() as reader:
            live = reader.doc_count()
        if self.matrix.shape != (live, len(self.vocab)) or len(self.chunk_ids) != live:
            raise ValueError(f"BM25F matrix {self.matrix.shape} disagrees with the whoosh index "
                             f"({live} docs) or its vocabulary ({len(self.vocab)} terms)")
        if self.matrix.nnz and (self.matrix.indices.min() < 0 or self.matrix.indices.max() >= live):
            raise ValueError("BM25F matrix is damaged")

    def search_docs(self, terms: dict[str, float], allowed: np.ndarray | None = None,
                    limit: int = 100) -> list[tuple[int, float]]:
        """(row, score) best first (ties: lower row first) for weighted query terms; `allowed` is an
        optional boolean mask over rows."""
        pairs = [(self.vocab[t], w) for t, w in terms.items() if t in self.vocab and w > 0]
        if not pairs or limit <= 0:
            return []
        cols = np.fromiter((c for c, _ in pairs), np.int64, len(pairs))
        weights = np.fromiter((w for _, w in pairs), np.float64, len(pairs))
        scores = self.matrix[:, cols] @ weights
        if allowed is not None:
            scores[~allowed] = 0.0
        # BM25F weights and query weights are positive, so the docs holding at least one query term
        # are exactly the nonzero scores: one linear pass, no sort or hash of the postings.
        docs = np.flatnonzero(scores > 0)
        if not len(docs):
            return []
        s = scores[docs]
        if len(docs) > limit:
            keep = np.argpartition(-s, limit - 1)[:limit]
            docs, s = docs[keep], s[keep]
        order = np.lexsort((docs, -s))
        return [(int(docs[i]), float(s[i])) for i in order]

    def docs_with(self, terms) -> np.ndarray:
        """Rows (sorted) of the chunks holding any of the given index terms."""
        cols = [self.vocab[t] for t in terms if t in self.vocab]
        if not cols:
            return np.zeros(0, dtype=np.int64)
        held = np.zeros(self.matrix.shape[0], dtype=bool)
        held[self.matrix[:, cols].indices] = True
        return np.flatnonzero(held)
