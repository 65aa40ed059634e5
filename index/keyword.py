"""Keyword index: whoosh inverted index on disk plus a BM25F weight matrix derived from its postings.

The build writes the whoosh index (text / heading / lead plus filterable id fields), then walks that
index's own postings once and stores, beside it, the BM25F weight of every (chunk, term) pair as a
sparse matrix (chunks × vocabulary, heading/lead weighted by their field boosts, idf and average field
lengths exactly as whoosh's BM25F computes them). A query is then one sparse mat-vec product instead of
whoosh scoring every matching posting in Python:  score = matrix[:, term columns] @ query weights,
which equals whoosh's Or(Term(field, term, boost=weight) for every term and field).
"""
from __future__ import annotations

import json
import queue
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np
import scipy.sparse as sp
from whoosh import index as windex
from whoosh import query as wq
from whoosh.fields import ID, TEXT, Schema
from whoosh.scoring import BM25F

import config
from index.tokenize import analyzer

FILTER_FIELDS = ("plan_id", "level", "kind", "phase")
SEARCH_FIELDS = ("text", "heading", "lead")
# BM25F matrix files, written inside the whoosh index directory.
MATRIX, VOCAB, DOCS = "bm25f.npz", "bm25f_vocab.json", "bm25f_docs.json"


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


def write_index(directory: Path, docs: Iterable[dict]) -> int:
    """Create a whoosh index in `directory` from dicts with the schema's fields, then derive the
    BM25F weight matrix from it; returns the document count."""
    directory.mkdir(parents=True, exist_ok=True)
    ix = windex.create_in(str(directory), schema())
    writer = ix.writer(limitmb=256)
    n = 0
    for doc in docs:
        writer.add_document(**doc)
        n += 1
    writer.commit()
    write_bm25_matrix(directory)
    return n


def _postings(matcher) -> tuple[np.ndarray, np.ndarray]:
    """(doc numbers, weights) of a posting list; weights are term frequency × field boost."""
    ids, weights = [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float64)


def write_bm25_matrix(directory: Path) -> dict:
    """Derive the BM25F weight matrix from the whoosh index in `directory` and save it there.

    Per field f and term t:  w_f(d, t) = idf_f(t) · tf·(K1+1) / (tf + K1·(1 − B + B·len_f(d)/avglen_f)),
    with tf the posting weight (frequency × field boost), len_f(d) whoosh's stored (byte-quantised)
    field length, idf_f and avglen_f from whoosh's searcher. A term's column sums its fields.
    """
    ix = windex.open_dir(str(directory))
    model = weighting()
    B, K1 = model.B, model.K1
    with ix.searcher(weighting=model) as s:
        reader = s.reader()
        ndocs = s.doc_count_all()
        stored = {d: f["chunk_id"] for d, f in reader.iter_docs()}
        chunk_ids = [stored[d] for d in range(ndocs)]
        vocab: dict[str, int] = {}
        rows, cols, vals = [], [], []
        for field in SEARCH_FIELDS:
            avgfl = s.avg_field_length(field) or 1
            lengths = np.array([reader.doc_field_length(d, field, 0) or 0 for d in range(ndocs)],
                               dtype=np.float64)
            norm = K1 * ((1 - B) + B * lengths / avgfl)
            fobj = s.schema[field]
            for btext in reader.lexicon(field):
                ids, tf = _postings(reader.postings(field, btext))
                if not len(ids):
                    continue
                idf = s.idf(field, btext)
                col = vocab.setdefault(fobj.from_bytes(btext), len(vocab))
                rows.append(ids)
                cols.append(np.full(len(ids), col, dtype=np.int64))
                vals.append(idf * (tf * (K1 + 1)) / (tf + norm[ids]))
    if rows:
        r, c, v = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
    else:
        r = c = np.zeros(0, dtype=np.int64)
        v = np.zeros(0)
    del rows, cols, vals
    # CSC (column-compressed) so that picking the query's term columns touches only their postings;
    # duplicate (doc, term) entries from different fields are summed.
    matrix = sp.csc_matrix((v.astype(np.float32), (r, c)), shape=(ndocs, len(vocab)))
    matrix.sum_duplicates()
    sp.save_npz(directory / MATRIX, matrix, compressed=False)
    (directory / VOCAB).write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    (directory / DOCS).write_text(json.dumps(chunk_ids, ensure_ascii=False), encoding="utf-8")
    return {"docs": ndocs, "terms": len(vocab), "nnz": int(matrix.nnz)}


class KeywordIndex:
    """A read-only keyword index: the whoosh index plus its BM25F weight matrix (thread-safe)."""

    def __init__(self, directory: Path):
        directory = Path(directory)
        self.ix = windex.open_dir(str(directory))
        self._weighting = weighting()
        self._pool: queue.SimpleQueue = queue.SimpleQueue()
        matrix = sp.load_npz(directory / MATRIX)   # np.load(allow_pickle=False) underneath
        self.matrix = sp.csc_matrix(matrix, dtype=np.float32)
        self.vocab: dict[str, int] = json.loads((directory / VOCAB).read_text(encoding="utf-8"))
        self.chunk_ids: list[str] = json.loads((directory / DOCS).read_text(encoding="utf-8"))
        ndocs = self.ix.doc_count_all()
        if self.matrix.shape != (ndocs, len(self.vocab)) or len(self.chunk_ids) != ndocs:
            raise ValueError(f"BM25F matrix {self.matrix.shape} disagrees with the whoosh index "
                             f"({ndocs} docs) or its vocabulary ({len(self.vocab)} terms)")
        if self.matrix.nnz and (self.matrix.indices.min() < 0 or self.matrix.indices.max() >= ndocs):
            raise ValueError("BM25F matrix is damaged")

    @contextmanager
    def _searcher(self) -> Iterator:
        try:
            s = self._pool.get_nowait()
        except queue.Empty:
            s = self.ix.searcher(weighting=self._weighting)
        try:
            yield s
        finally:
            self._pool.put(s)

    def search_docs(self, terms: dict[str, float], allowed: np.ndarray | None = None,
                    limit: int = 100) -> list[tuple[int, float]]:
        """(doc number, score) best first (ties: lower doc number first) for weighted query terms;
        `allowed` is an optional boolean mask over doc numbers."""
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
        """Doc numbers (sorted) of the documents holding any of the given index terms."""
        cols = [self.vocab[t] for t in terms if t in self.vocab]
        if not cols:
            return np.zeros(0, dtype=np.int64)
        held = np.zeros(self.matrix.shape[0], dtype=bool)
        held[self.matrix[:, cols].indices] = True
        return np.flatnonzero(held)

    def filter_mask(self, filters: dict[str, list[str]] | None) -> np.ndarray | None:
        """Boolean mask over doc numbers of the documents matching field filters (via whoosh)."""
        flt = _filter_query(filters)
        if flt is None:
            return None
        mask = np.zeros(self.matrix.shape[0], dtype=bool)
        with self._searcher() as s:
            ids = np.fromiter(s.docs_for_query(flt), np.int64)
        mask[ids] = True
        return mask

    def search(self, terms: dict[str, float], filters: dict[str, list[str]] | None = None,
               limit: int = 100, allowed: np.ndarray | None = None) -> list[tuple[str, float]]:
        """(chunk_id, score) best first for weighted query terms, restricted by field filters
        and/or a boolean mask over doc numbers."""
        if not terms:
            return []
        mask = self.filter_mask(filters)
        if allowed is not None:
            mask = allowed if mask is None else mask & allowed
        return [(self.chunk_ids[d], score) for d, score in self.search_docs(terms, mask, limit)]

    def close(self) -> None:
        """Close pooled searchers."""
        while True:
            try:
                self._pool.get_nowait().close()
            except queue.Empty:
                return


def _filter_query(filters: dict[str, list[str]] | None):
    parts = [wq.Or([wq.Term(field, v) for v in values])
             for field, values in (filters or {}).items() if values]
    return wq.And(parts) if parts else None
