"""SearchEngine: loads the index once and answers keyword / semantic / hybrid queries (thread-safe)."""
from __future__ import annotations

import functools
import math
import sys
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

import config
from corpus.model import CHUNK_KINDS, PHASES
from index.ann import load_ann
from index.build import (CHUNKS, INDEX_FORMAT, KEYWORD, META, PENDING, VECTOR_OWNER, ann_file, build_index,
                         chunk_vectors_file, read_meta, vectors_file)
from index.keyword import KeywordIndex
from index.rows import read_json_lines, read_rows
from index.tokenize import normalize
from index.vectors import get_encoder
from index.substrings import BigramIndex, match_text
from search.chunk_texts import ChunkTexts
from search.coverage import ThemeTerm, coverage_of_texts, theme_terms
from search.highlight import highlight
from search.query import ParsedQuery, QueryAnalysis, QueryError, parse_query
from search.semantic import SemanticLeg

MODES = ("keyword", "semantic", "hybrid")


@dataclass
class Hit:
    plan_id: str
    plan_title: str
    level: str
    chunk_id: str
    kind: str
    phase: str
    heading_path: list[str]
    text: str
    highlight: str
    score: float
    line_start: int
    line_end: int

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class SearchResult:
    query: str
    mode: str
    hits: list[Hit] = field(default_factory=list)
    message: str = ""
    keyword_matched: bool = True   # False: no passage holds a query word (hybrid fell back to meaning)

    def to_dict(self) -> dict:
        out = {"query": self.query, "mode": self.mode, "hits": [h.to_dict() for h in self.hits]}
        if self.message:
            out["message"] = self.message
        return out


class SearchEngine:
    """Holds the chunk table, one SemanticLeg (window vectors) per embedding model, the keyword index
    and the query encoders."""

    def __init__(self, index_dir: Path, meta: dict, records: list[dict], legs: list[SemanticLeg],
                 keyword: KeywordIndex, encoder=None, pending_rows: np.ndarray | None = None,
                 bigrams: BigramIndex | None = None):
        self.index_dir = index_dir
        self.meta = meta
        self.records = records
        # Every chunk has one or more embedded windows, stored contiguously in chunk order; the
        # first one (heading + text) is the chunk's own vector. Every embedding model is one
        # semantic ranking ("leg") in hybrid fusion, the first (primary) model's first.
        # `vectors` (one per chunk) are those of the similarity model
        # (config.SIMILARITY_EMBED_MODEL) when the index has it, else the primary model's:
        # thresholds on cosines are calibrated on them.
        self.models = [meta["model"], *meta.get("extra_models", [])]
        self.legs = legs
        self.similarity_leg = (self.models.index(config.SIMILARITY_EMBED_MODEL)
                               if config.SIMILARITY_EMBED_MODEL in self.models else 0)
        self.vectors = self.legs[self.similarity_leg].chunks
        # Chunks a deferred build left without primary-model vectors (see build_index): the first
        # leg casts its vote for them at the rank the second leg gives.
        self.pending = None
        if pending_rows is not None and len(pending_rows) and len(legs) > 1:
            self.pending = np.zeros(len(records), dtype=bool)
            self.pending[pending_rows] = True
        self.keyword = keyword
        self._encoders = {0: encoder} if encoder is not None else {}
        self._encoder_lock = threading.Lock()
        self._df: dict[tuple[str, ...], int] = {}
        self._query_vector = functools.lru_cache(maxsize=512)(self._encode_query)
        self.row = {r["chunk_id"]: i for i, r in enumerate(records)}
        self.match_text = ChunkTexts((match_text(r["heading_path"], r["text"]) for r in records), bigrams)
        # Rows of the words looked up in the text, memoised per word: a word recurs in the forms of
        # several concepts and in doc_share, and the side-by-side view filters the same phrases
        # once per plan.
        self._rows_with = functools.lru_cache(maxsize=256)(self.match_text.rows_with)
        self.plan_ids = list(dict.fromkeys(r["plan_id"] for r in records))
        self.levels = sorted({r["level"] for r in records})
        # Filter columns as small integer codes: a filter is one np.isin over ints (over a national
        # corpus an isin over str objects costs tens of ms per query).
        self._codes: dict[str, tuple[dict[str, int], np.ndarray]] = {}
        for f in ("plan_id", "level", "kind", "phase"):
            code: dict[str, int] = {}
            self._codes[f] = code, np.fromiter((code.setdefault(r[f], len(code)) for r in records), np.int32,
                                               len(records))

    # ---------- loading ----------
    @classmethod
    def load(cls, index_dir: Path | None = None, cache_dir: Path | None = None,
             corpus_dir: Path | None = None, encoder=None, log=None) -> "SearchEngine":
        """Open the index; a missing or unreadable one is rebuilt from the corpus first."""
        index_dir = Path(index_dir or config.INDEX_DIR)
        log = log or (lambda m: print(m, file=sys.stderr, flush=True))
        try:
            return cls._open(index_dir, encoder)
        except Exception as exc:  # missing files, damaged JSON/npy/whoosh segments
            log(f"索引缺失或不可读，正在重建 (index missing or unreadable: {exc}); rebuilding…")
        from corpus.loader import load_corpus
        model = encoder.name if encoder is not None else None
        build_index(load_corpus(corpus_dir), index_dir, cache_dir, model=model, force=True,
                    log=log, encoder=encoder)
        return cls._open(index_dir, encoder)

    @classmethod
    def _open(cls, index_dir: Path, encoder) -> "SearchEngine":
        meta = read_meta(index_dir)
        if meta is None:
            raise FileNotFoundError(f"{index_dir / META} not found")
        if meta.get("format") != INDEX_FORMAT:
            raise ValueError(f"index format {meta.get('format')} is not the current {INDEX_FORMAT}")
        records = read_records(index_dir / CHUNKS, meta["chunks_bytes"])
        owner = read_rows(index_dir / VECTOR_OWNER, np.int32, (meta["windows"],))
        if len(records) != meta["chunks"] or not np.array_equal(np.unique(owner), np.arange(len(records))) \
                or np.any(np.diff(owner) < 0):
            raise ValueError("chunk table and vectors disagree with meta.json")
        legs = [cls._open_leg(index_dir, leg, owner, meta) for leg in range(1 + len(meta.get("extra_models", [])))]
        keyword = KeywordIndex(index_dir / KEYWORD)
        # Keyword rows are chunk-table rows (the build writes chunks in table order).
        if keyword.rows != len(records):
            raise ValueError("keyword index rows disagree with the chunk table")
        pending = np.load(index_dir / PENDING, allow_pickle=False) if meta.get("pending_windows") else None
        bigrams = BigramIndex(index_dir, meta["base_chunks"])
        return cls(index_dir, meta, records, legs, keyword, encoder, pending, bigrams)

    @staticmethod
    def _open_leg(index_dir: Path, leg: int, owner: np.ndarray, meta: dict) -> SemanticLeg:
        """One model's window vectors: read whole (float32, exact search), or memory-mapped
        (float16) with their chunk vectors and ANN index (which covers the base windows)."""
        ann, dtype, shape = meta["ann"], meta["vector_dtype"], (meta["windows"], meta["dims"][leg])
        windows = read_rows(index_dir / vectors_file(leg), dtype, shape, mmap=ann)
        starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
        if not ann:
            return SemanticLeg(windows, starts, owner, windows[starts])
        chunks = read_rows(index_dir / chunk_vectors_file(leg), dtype, (meta["chunks"], shape[1]), mmap=True)
        index = load_ann(index_dir / ann_file(leg))
        if index.ntotal != meta["base_windows"]:
            raise ValueError(f"ANN index of model {leg} disagrees with meta.json")
        return SemanticLeg(windows, starts, owner, chunks, index)

    @property
    def encoder(self):
        """The query encoder of the index's (primary) model, loaded on first use."""
        return self.leg_encoder(0)

    def leg_encoder(self, leg: int):
        """The encoder of the leg-th embedding model, loaded on first use."""
        with self._encoder_lock:
            if leg not in self._encoders:
                self._encoders[leg] = get_encoder(self.models[leg])
            return self._encoders[leg]

    def term_idf(self, terms: tuple[ThemeTerm, ...]) -> dict[str, float]:
        """IDF of each theme term over the chunks (a chunk counts when it holds the term in any form)."""
        n = len(self.match_text)
        return {t.word: math.log((n + 1) / (self._doc_freq(t.forms) + 1)) + 1.0 for t in terms}

    def doc_share(self, word: str) -> float:
        """Share of the chunks whose text contains word."""
        return self._doc_freq((normalize(word),)) / max(1, len(self.match_text))

    def _doc_freq(self, words: tuple[str, ...]) -> int:
        """Number of chunks holding any of the (normalised) words, memoised. Words that are index
        terms are looked up in the keyword index's postings; others are searched in the text."""
        n = self._df.get(words)
        if n is None:
            docs = self.keyword.docs_with(words)
            for w in (w for w in words if w not in self.keyword.vocab):
                docs = np.union1d(docs, self._rows_with(w))
            n = len(docs)
            self._df[words] = n   # a plain dict assignment is atomic; a race only recounts
        return n

    # ---------- query analysis ----------
    def analyse(self, query: str | QueryAnalysis) -> QueryAnalysis:
        """The one reading of a query every view shares (search, side by side, precedents, review):
        its parsed terms and thesaurus expansions, its concepts with their IDF over this index, and
        its (lazily encoded, memoised) query vector. Raises QueryError for an empty query."""
        if isinstance(query, QueryAnalysis):
            return query
        pq = parse_query(query, self.doc_share)
        concepts = theme_terms(pq.text)
        return QueryAnalysis(pq, concepts, self.term_idf(concepts),
                             lambda: tuple(self.query_vector(pq, leg) for leg in range(len(self.legs))))

    # ---------- search ----------
    def search(self, query: str | QueryAnalysis, mode: str = "hybrid", top: int = 10, plans=None,
               level=None, kind=None, phase=None) -> SearchResult:
        """Ranked hits for a query (text or an analysis from analyse()); raises QueryError for an
        empty query or unknown filter values."""
        if mode not in MODES:
            raise QueryError(f"未知检索模式 {mode!r} (unknown mode; use one of {', '.join(MODES)})")
        filters = self._filters(plans, level, kind, phase)
        qa = self.analyse(query)
        pq = qa.parsed
        top = max(1, int(top))
        allowed = self._allowed(filters, pq)
        pool = max(config.FUSION_POOL, top)
        kw: list[tuple[int, float]] = []
        if mode == "keyword":
            ranked = self._keyword(pq, filters, allowed, pool)
        elif mode == "semantic":
            ranked = self._semantic(pq, allowed, pool)
        else:
            kw = self._keyword(pq, filters, allowed, pool)
            qvecs = qa.vectors
            ranked = self._fuse(kw, [self._semantic_vec(q, allowed, pool, leg) for leg, q in enumerate(qvecs)])
            if config.FEEDBACK_WEIGHT > 0 and ranked:
                top_docs = [i for i, _ in ranked[:config.FEEDBACK_DOCS]]
                sems = []
                for leg, q in enumerate(qvecs):
                    fb = q + config.FEEDBACK_WEIGHT * self.legs[leg].chunks[top_docs].mean(axis=0, dtype=np.float32)
                    sems.append(self._semantic_vec(fb / np.linalg.norm(fb), allowed, pool, leg))
                ranked = self._fuse(kw, sems)
            ranked = self._favour_coverage(ranked, qa)
        hits = [self.hit(i, s, pq.highlight_terms) for i, s in ranked[:top]]
        keyword_matched = mode != "hybrid" or bool(kw)
        if not hits:
            message = "没有找到匹配的内容 (no matching passages)"
        elif not keyword_matched:
            message = "没有段落包含检索词，以下为语义相近的段落 (no passage holds the query words; closest in meaning)"
        else:
            message = ""
        return SearchResult(query=pq.raw, mode=mode, hits=hits, message=message, keyword_matched=keyword_matched)

    def _filters(self, plans, level, kind, phase) -> dict[str, list[str]]:
        as_list = lambda v: [v] if isinstance(v, str) else list(v or [])
        checks = {"plan_id": (as_list(plans), self.plan_ids), "level": (as_list(level), self.levels),
                  "kind": (as_list(kind), CHUNK_KINDS), "phase": (as_list(phase), PHASES)}
        out = {}
        for name, (values, known) in checks.items():
            bad = [v for v in values if v not in known]
            if bad:
                raise QueryError(f"未知的{name}: {', '.join(bad)} (known: {', '.join(known)})")
            if values:
                out[name] = values
        return out

    def _allowed(self, filters: dict, pq: ParsedQuery) -> np.ndarray | None:
        """Boolean mask of chunks passing filters, phrases and exclusions (None = all)."""
        if not filters and not pq.phrases and not pq.excludes:
            return None
        mask = np.ones(len(self.records), dtype=bool)
        for name, values in filters.items():
            code, codes = self._codes[name]
            mask &= np.isin(codes, [code[v] for v in values if v in code])
        for phrase in pq.phrases:
            mask &= self._mask_with(phrase.replace(" ", ""))
        for word in pq.excludes:
            mask &= ~self._mask_with(word)
        return mask

    def _mask_with(self, word: str) -> np.ndarray:
        """Boolean mask of the chunks whose text contains word."""
        mask = np.zeros(len(self.records), dtype=bool)
        mask[self._rows_with(word)] = True
        return mask

    def _keyword(self, pq, filters, allowed, pool) -> list[tuple[int, float]]:
        """BM25F ranking of chunk rows; `allowed` already holds the filters, phrases and exclusions."""
        return self.keyword.search_docs(pq.terms, allowed, limit=pool)

    def _semantic(self, pq, allowed, pool) -> list[tuple[int, float]]:
        """Semantic mode ranks by the primary model alone."""
        return self._semantic_vec(self.query_vector(pq), allowed, pool)

    def query_vector(self, pq: ParsedQuery, leg: int = 0) -> np.ndarray:
        """Unit query vector of an embedding model (leg 0: the primary one): the query's own
        embedding, steered toward the official forms of its colloquial words (thesaurus
        expansions, embedded apart so the user's wording keeps the lead). Memoised (read-only):
        the side-by-side view runs the same query once per plan."""
        return self._query_vector(pq.text, tuple(pq.expansions), leg)

    def clear_query_cache(self) -> None:
        """Forget memoised query vectors (the benchmark times the encoding of every query)."""
        self._query_vector.cache_clear()

    def _encode_query(self, text: str, expansions: tuple[str, ...], leg: int) -> np.ndarray:
        encoder = self.leg_encoder(leg)
        encode = getattr(encoder, "encode_query", encoder.encode)
        if not expansions:
            v = encode([text])[0]
        else:
            own, official = encode([text, " ".join(expansions)])
            v = own + config.EXPANSION_EMBED_WEIGHT * official
            v = v / np.linalg.norm(v)
        v.flags.writeable = False
        return v

    def _semantic_vec(self, q: np.ndarray, allowed, pool, leg: int = 0) -> list[tuple[int, float]]:
        """Chunks ranked by cosine with a (unit) query vector of a model: a chunk scores as its
        best window."""
        return self.legs[leg].rank(q, allowed, pool)

    def _favour_coverage(self, ranked: list[tuple[int, float]], qa: QueryAnalysis) -> list[tuple[int, float]]:
        """Scale fused scores by how much of the query's content each passage holds, so a passage
        with every concept of the query outranks one that repeats its most common word."""
        w = config.COVERAGE_WEIGHT
        if w <= 0 or len(qa.concepts) < 2:
            return ranked
        # The candidates' texts are joined once and each thesaurus form found by one scan of them:
        # the cost follows the candidates, not the corpus.
        texts = ChunkTexts(self.match_text[i] for i, _ in ranked)
        cov = coverage_of_texts(qa.concepts, qa.idf, texts).tolist()
        scored = [(i, s * (1 - w + w * c)) for (i, s), c in zip(ranked, cov)]
        return sorted(scored, key=lambda x: -x[1])

    def _fuse(self, kw: list[tuple[int, float]], sems: list[list[tuple[int, float]]]) -> list[tuple[int, float]]:
        """Weighted reciprocal-rank fusion of the keyword ranking and one semantic ranking per
        embedding model (the primary one weighs RRF_SEMANTIC_WEIGHT, extras RRF_EXTRA_WEIGHT).
        A chunk still pending its primary-model vectors gets the primary vote at its rank in the
        second model's ranking, so new text is not ranked down for what it does not have yet."""
        k = config.RRF_K
        fused: dict[int, float] = {}
        weights = [config.RRF_KEYWORD_WEIGHT, config.RRF_SEMANTIC_WEIGHT] + [config.RRF_EXTRA_WEIGHT] * (len(sems) - 1)
        rankings = [kw, *sems]
        if self.pending is not None and len(sems) > 1:
            rankings[1] = [(i, s) for i, s in sems[0] if not self.pending[i]]
            weights.append(config.RRF_SEMANTIC_WEIGHT)
            rankings.append([(i, s) if self.pending[i] else (-1, s) for i, s in sems[1]])
        for weight, ranking in zip(weights, rankings):
            for rank, (i, _) in enumerate(ranking):
                if i >= 0:
                    fused[i] = fused.get(i, 0.0) + weight / (k + rank + 1)
        return sorted(fused.items(), key=lambda x: -x[1])

    def hit(self, i: int, score: float, highlight_terms=()) -> Hit:
        """The Hit for chunk row i (plan text HTML-escaped, highlight_terms in <mark>)."""
        r = self.records[i]
        return Hit(plan_id=r["plan_id"], plan_title=r["plan_title"], level=r["level"],
                   chunk_id=r["chunk_id"], kind=r["kind"], phase=r["phase"],
                   heading_path=list(r["heading_path"]), text=r["text"],
                   highlight=highlight(r["text"], list(highlight_terms)), score=round(float(score), 6),
                   line_start=r["line_start"], line_end=r["line_end"])


# Fields whose values repeat from chunk to chunk (json.loads makes one str per occurrence).
_REPEATED = ("plan_id", "plan_title", "level", "kind", "phase")


def read_records(path: Path, n_bytes: int) -> list[dict]:
    """The chunk table (the first n_bytes of its JSON-lines file), with one str object per distinct
    plan id, title, level, kind, phase and heading: each record is deduplicated as it is decoded, so
    the copies never pile up (0.6 KB less per chunk, a quarter of a GB over a national corpus)."""
    seen: dict[str, str] = {}
    share = seen.setdefault

    def dedupe(r: dict) -> dict:
        for f in _REPEATED:
            if f in r:
                r[f] = share(r[f], r[f])
        if isinstance(r.get("heading_path"), list):
            r["heading_path"] = [share(h, h) for h in r["heading_path"]]
        return r

    return read_json_lines(path, n_bytes, object_hook=dedupe)
