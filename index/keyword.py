"""Keyword index: whoosh inverted index on disk plus the raw statistics BM25F is scored from.

A full build writes the whoosh index (text / heading / lead plus filterable id fields), walks that
index's own postings once and stores, beside it, the raw statistics of every (chunk, term, field)
(index/postings.py) and, sorted by term, the base postings queries read (index/bm25f.py). An update
links the previous build's whoosh files, deletes the chunks of changed or removed plans and analyses
only the new chunks. When it only adds plans, their statistics are appended to the previous build's
files and queries read them as the tail until the build decides to rebase (sort everything by term
again); otherwise the statistics of the kept chunks are copied and the base is rebuilt.

A query reads the postings of its terms alone and computes their BM25F weights, which equal
whoosh's Or(Term(field, term, boost=weight) for every term and field).
"""
from __future__ import annotations

import functools
import json
import os
from pathlib import Path

import numpy as np
from whoosh import index as windex
from whoosh.fields import ID, TEXT, Schema
from whoosh.filedb.filestore import RamStorage
from whoosh.scoring import BM25F

import config
from index.bm25f import BASE_ENTRIES, BASE_INDPTR, BM25FScorer, Columns, exact_lengths, read_base, write_base
from index.postings import LENGTHS, POSTING, POSTINGS, Postings, length_rows, posting_rows, read_postings
from index.rows import extend_rows, json_lines, read_json_lines, write_rows
from index.tokenize import analyzer

FILTER_FIELDS = ("plan_id", "level", "kind", "phase")
SEARCH_FIELDS = ("text", "heading", "lead")
VOCAB, STATS = "vocab.jsonl", "stats.json"   # vocabulary (one term per line, append-only), counts
# ours, beside whoosh's files (a build links or rewrites them itself)
_OWN_FILES = {VOCAB, STATS, POSTINGS, LENGTHS, BASE_INDPTR, BASE_ENTRIES}


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


def boosts() -> np.ndarray:
    """The field boosts of SEARCH_FIELDS."""
    return np.array([schema()[f].format.field_boost for f in SEARCH_FIELDS], dtype=np.float64)


def write_index(directory: Path, docs: list[dict]) -> None:
    """Create a whoosh index in `directory` from dicts with the schema's fields, with its raw
    statistics and base postings (docs in chunk-table order: a doc's position is its row)."""
    directory.mkdir(parents=True, exist_ok=True)
    ix = windex.create_in(str(directory), schema())
    _add(ix, docs, [])
    vocab: dict[str, int] = {}
    _write_stats(directory, postings_of(ix, {d["chunk_id"]: i for i, d in enumerate(docs)}, vocab), list(vocab))


def update_index(previous: Path, directory: Path, fresh_docs: list[dict], source: list[int],
                 drop_plans: list[str], rebase: bool) -> None:
    """Write into `directory` the keyword index of a chunk table, reusing the index in `previous`:
    whoosh's files are linked (a commit never rewrites a file, it writes new ones), the chunks of
    drop_plans are deleted from it and only the new chunks (fresh_docs, in table order) are
    analysed and added. source[i] is the row of the previous index whose raw statistics chunk i
    has, or -1 for a new chunk. When the new chunks only follow the previous ones, their statistics are appended to the
    previous files and the base postings are kept unless `rebase`."""
    previous = Path(previous)
    directory.mkdir(parents=True, exist_ok=True)
    for f in previous.iterdir():
        if f.is_file() and f.name not in _OWN_FILES and not f.name.endswith("LOCK"):
            os.link(f, directory / f.name)
    stats = json.loads((previous / STATS).read_text(encoding="utf-8"))
    terms = read_json_lines(previous / VOCAB, stats["vocab_bytes"])
    vocab = {t: i for i, t in enumerate(terms)}
    source = np.asarray(source, dtype=np.int64)
    fresh_rows = np.flatnonzero(source < 0)
    # The new chunks are analysed once, into a whoosh index of them alone (held in memory): their
    # statistics are read off it, and its segment is copied into the index on disk.
    ram = RamStorage().create_index(schema())
    _add(ram, fresh_docs, [])
    fresh = postings_of(ram, {d["chunk_id"]: i for i, d in enumerate(fresh_docs)}, vocab)
    with ram.reader() as fresh_reader:
        _add(windex.open_dir(str(directory)), [], drop_plans, fresh_reader)
    n_old = stats["rows"]
    if np.array_equal(source[:n_old], np.arange(n_old)) and len(fresh_rows) == len(source) - n_old:
        _append_stats(previous, directory, stats, fresh.shifted(n_old), terms, list(vocab), rebase)
        return
    old = read_postings(previous, stats["rows"], stats["postings"], len(SEARCH_FIELDS), mmap=True)
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
    _write_stats(directory, Postings.concat(blocks, len(SEARCH_FIELDS)), list(vocab))


def _write_stats(directory: Path, p: Postings, terms: list[str]) -> None:
    """Write the raw statistics of a whole chunk table, its vocabulary and its base postings."""
    write_rows(directory / POSTINGS, posting_rows(p))
    write_rows(directory / LENGTHS, length_rows(p))
    vocab = json_lines(terms)
    (directory / VOCAB).write_bytes(vocab)
    _write_base(directory, p, {"rows": len(p.lengths), "postings": len(p.rows), "terms": len(terms),
                               "vocab_bytes": len(vocab)})


def _append_stats(previous: Path, directory: Path, stats: dict, fresh: Postings, old_terms: list[str],
                  terms: list[str], rebase: bool) -> None:
    """Extend the previous build's statistics and vocabulary with the new chunks' (rows shifted
    past the old ones); keep its base postings (linked) unless rebase."""
    extend_rows(previous / POSTINGS, directory / POSTINGS, stats["postings"] * POSTING.itemsize, posting_rows(fresh))
    extend_rows(previous / LENGTHS, directory / LENGTHS, stats["rows"] * 4 * len(SEARCH_FIELDS), length_rows(fresh))
    added = json_lines(terms[len(old_terms):])
    extend_rows(previous / VOCAB, directory / VOCAB, stats["vocab_bytes"], added)
    counts = {"rows": stats["rows"] + len(fresh.lengths), "postings": stats["postings"] + len(fresh.rows),
              "terms": len(terms), "vocab_bytes": stats["vocab_bytes"] + len(added)}
    if rebase:
        _write_base(directory, read_postings(directory, counts["rows"], counts["postings"], len(SEARCH_FIELDS),
                                             mmap=True), counts)
        return
    for name in (BASE_INDPTR, BASE_ENTRIES):
        os.link(previous / name, directory / name)
    base = {k: stats[k] for k in ("base_rows", "base_postings", "base_columns", "base_exact")}
    (directory / STATS).write_text(json.dumps(dict(counts, **base)), encoding="utf-8")


def _write_base(directory: Path, p: Postings, counts: dict) -> None:
    """Sort all the postings by term into the base, and write the counts (stats.json) last."""
    n_columns = counts["terms"] * len(SEARCH_FIELDS)
    write_base(directory, Columns.of(p, len(SEARCH_FIELDS), n_columns))
    base = {"base_rows": counts["rows"], "base_postings": counts["postings"], "base_columns": n_columns,
            "base_exact": exact_lengths(p, boosts()).tolist()}
    (directory / STATS).write_text(json.dumps(dict(counts, **base)), encoding="utf-8")


def _add(ix, docs: list[dict], drop_plans: list[str], reader=None) -> None:
    """One commit: delete the chunks of drop_plans, add docs (analysed now) and the documents of
    another index's reader (copied with their postings)."""
    writer = ix.writer(limitmb=256)
    for plan_id in drop_plans:
        writer.delete_by_term("plan_id", plan_id)
    for doc in docs:
        writer.add_document(**doc)
    if reader is not None:
        writer.add_reader(reader)
    writer.commit()


def _postings(matcher) -> tuple[np.ndarray, np.ndarray]:
    """(doc numbers, weights) of a posting list; weights are term frequency × field boost."""
    ids, weights = [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float64)


def postings_of(ix, row_of: dict[str, int], vocab: dict[str, int]) -> Postings:
    """The raw statistics of the live documents of a whoosh index whose chunk ids are in row_of,
    in row order; terms get columns from vocab (new terms are appended to it)."""
    with ix.searcher(weighting=weighting()) as s:
        reader = s.reader()
        live = {d: row_of[f["chunk_id"]] for d, f in reader.iter_docs() if f["chunk_id"] in row_of}
        docs = np.fromiter(live, np.int64, len(live))
        doc_row = np.full(reader.doc_count_all(), -1, dtype=np.int64)
        doc_row[docs] = np.fromiter(live.values(), np.int64, len(live))
        lengths = np.zeros((len(row_of), len(SEARCH_FIELDS)), dtype=np.float32)
        # Per (field, term) run: its rows and weights, and one column and field for the whole run.
        rows, tfs, counts, run_cols, run_fields = [], [], [], [], []
        for f, field in enumerate(SEARCH_FIELDS):
            lengths[doc_row[docs], f] = [reader.doc_field_length(int(d), field, 0) or 0 for d in docs]
            fobj = s.schema[field]
            for btext in reader.lexicon(field):
                ids, tf = _postings(reader.postings(field, btext))
                r = doc_row[ids] if len(ids) else ids
                keep = r >= 0
                if not keep.any():
                    continue
                rows.append(r[keep].astype(np.int32))
                tfs.append(tf[keep].astype(np.float32))
                counts.append(len(rows[-1]))
                run_cols.append(vocab.setdefault(fobj.from_bytes(btext), len(vocab)))
                run_fields.append(f)
    if not rows:
        return Postings.empty(len(row_of), len(SEARCH_FIELDS))
    # Sorted by row without a wide copy: tens of millions of postings at the national scale.
    r = np.concatenate(rows)
    del rows
    order = np.argsort(r, kind="stable")
    r = r[order]
    tf = np.concatenate(tfs)
    del tfs
    tf = tf[order]
    run = np.repeat(np.arange(len(counts), dtype=np.int32), counts)[order]
    del order
    return Postings(r, np.asarray(run_cols, dtype=np.int32)[run], np.asarray(run_fields, dtype=np.int8)[run],
                    tf, lengths)


class KeywordIndex:
    """A read-only keyword index: BM25F over the chunk table's postings, with its vocabulary
    (thread-safe: queries only read it)."""

    def __init__(self, directory: Path):
        directory = Path(directory)
        stats = json.loads((directory / STATS).read_text(encoding="utf-8"))
        n_fields = len(SEARCH_FIELDS)
        terms = read_json_lines(directory / VOCAB, stats["vocab_bytes"])
        self.vocab: dict[str, int] = {t: i for i, t in enumerate(terms)}
        self.rows = stats["rows"]
        base = read_base(directory, stats["base_columns"], stats["base_postings"])
        tail = read_postings(directory, stats["rows"], stats["postings"], n_fields, start=stats["base_postings"])
        if len(self.vocab) != stats["terms"] or (len(tail.rows) and tail.rows.min() < stats["base_rows"]):
            raise ValueError("keyword statistics are damaged")
        with windex.open_dir(str(directory)).reader() as reader:
            live = reader.doc_count()
        if live != self.rows:
            raise ValueError(f"keyword statistics of {self.rows} chunks disagree with the whoosh index ({live} docs)")
        model = weighting()
        exact = np.asarray(stats["base_exact"]) + exact_lengths(tail, boosts())
        self.scorer = BM25FScorer([base, Columns.of(tail, n_fields, len(terms) * n_fields)], tail.lengths, exact,
                                  len(terms), model.B, model.K1)
        # The side-by-side view runs the same query once per plan, each time under another plan filter.
        self._scores = functools.lru_cache(maxsize=8)(self._score_rows)

    def search_docs(self, terms: dict[str, float], allowed: np.ndarray | None = None,
                    limit: int = 100) -> list[tuple[int, float]]:
        """(row, score) best first (ties: lower row first) for weighted query terms; `allowed` is an
        optional boolean mask over rows."""
        pairs = [(self.vocab[t], w) for t, w in terms.items() if t in self.vocab and w > 0]
        if not pairs or limit <= 0:
            return []
        scores = self._scores(tuple(pairs))
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0)
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

    def _score_rows(self, pairs: tuple[tuple[int, float], ...]) -> np.ndarray:
        """BM25F score of every row for (column, weight) pairs (read-only; memoised as _scores)."""
        cols = np.fromiter((c for c, _ in pairs), np.int64, len(pairs))
        weights = np.fromiter((w for _, w in pairs), np.float64, len(pairs))
        scores = self.scorer.scores(cols, weights)
        scores.flags.writeable = False
        return scores

    def docs_with(self, terms) -> np.ndarray:
        """Rows (sorted) of the chunks holding any of the given index terms."""
        cols = np.array([self.vocab[t] for t in terms if t in self.vocab], dtype=np.int64)
        return self.scorer.rows_with(cols) if len(cols) else np.zeros(0, dtype=np.int64)
