"""Keyword index on disk (whoosh, BM25F): write chunks, search with weighted terms and filters."""
from __future__ import annotations

import queue
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

from whoosh import index as windex
from whoosh import query as wq
from whoosh.fields import ID, TEXT, Schema
from whoosh.scoring import BM25F

import config
from index.tokenize import analyzer

FILTER_FIELDS = ("plan_id", "level", "kind", "phase")


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


def write_index(directory: Path, docs: Iterable[dict]) -> int:
    """Create a whoosh index in `directory` from dicts with the schema's fields; returns the count."""
    directory.mkdir(parents=True, exist_ok=True)
    ix = windex.create_in(str(directory), schema())
    writer = ix.writer(limitmb=256)
    n = 0
    for doc in docs:
        writer.add_document(**doc)
        n += 1
    writer.commit()
    return n


class KeywordIndex:
    """A read-only whoosh index; searchers are pooled so concurrent searches are safe."""

    def __init__(self, directory: Path):
        self.ix = windex.open_dir(str(directory))
        self._weighting = BM25F(B=config.BM25_B, K1=config.BM25_K1)
        self._pool: queue.SimpleQueue = queue.SimpleQueue()

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

    def search(self, terms: dict[str, float], filters: dict[str, list[str]] | None = None,
               limit: int = 100) -> list[tuple[str, float]]:
        """(chunk_id, score) best first for weighted query terms, restricted by field filters."""
        if not terms:
            return []
        clauses = [wq.Term(field, term, boost=weight)
                   for term, weight in terms.items() for field in ("text", "heading", "lead")]
        q = wq.Or(clauses)
        flt = _filter_query(filters)
        with self._searcher() as s:
            results = s.search(q, limit=limit, filter=flt)
            return [(hit["chunk_id"], hit.score) for hit in results]

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
