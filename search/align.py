"""Passage-to-passage alignment, shared by the review, precedents and text reuse.

A passage (a provincial measure, a draft paragraph, a city measure) is read as clauses
(sentences; over-long sentences cut at a comma). Two clauses are compared on
  - meaning: cosine of their sentence embeddings (the index's model, vectors cached on disk),
  - shared wording: Smith-Waterman local alignment of the two character strings
    (as text-reuse detectors do over candidate pairs), as the share of the first clause aligned,
  - terms: the IDF-weighted share of the first clause's words (jieba) found in the second,
  - the outline: similarity of the chapter / section titles the two passages sit under,
  - character-bigram TF-IDF cosine (only to pick candidate pairs).
Candidate clause pairs come from meaning, bigrams and terms; only candidates are aligned.
Weights and the same-action threshold live in config (ALIGN_*).
"""
from __future__ import annotations

import html
import re
import threading
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

import config
from index.build import open_cache
from index.tokenize import normalize, tokenize
from index.vectors import EmbeddingCache, embed_texts
from search.engine import Hit

_SENTENCE = re.compile(r"[^。；！？;!?\n]+[。；！？;!?]*")
# Leading numbering of an item or clause: 01 / 1. / （1） / (一) / 一、 / 一是 / ——
_NUMBERING = re.compile(r"\s*(?:[（(][0-9一二三四五六七八九十]{1,3}[）)]|[0-9]{1,2}\s*[.．、]|0[0-9]\s+|"
                        r"[一二三四五六七八九十]{1,3}[、是]|第[一二三四五六七八九十]+[，、]|[—-]{1,2}|[·•●■◆]\s*)\s*")
_PUNCT = re.compile(r"[\s，。；：、！？,.;:!?“”‘’\"'（）()《》【】\[\]—…·-]")

# Smith-Waterman scores (per character).
SW_MATCH, SW_MISMATCH, SW_GAP = 2, -1, -1
SW_BATCH = 512           # pairs aligned together


@dataclass(frozen=True)
class Clause:
    """One clause of a passage: its text and (start, end) offsets in the passage."""
    text: str
    start: int
    end: int


def strip_numbering(text: str) -> str:
    """Text without its leading item numbering (01 / 1. / （1） / 一、 / 一是 / —— …)."""
    m = _NUMBERING.match(text)
    return text[m.end():] if m else text


def _cut_long(text: str, start: int, max_chars: int) -> list[Clause]:
    """A sentence longer than max_chars cut at commas into pieces of at most max_chars where possible."""
    if len(text) <= max_chars:
        return [Clause(text, start, start + len(text))]
    out, piece_start = [], 0
    commas = [m.end() for m in re.finditer(r"[，,]", text)]
    last = 0
    for pos in commas + [len(text)]:
        if pos - piece_start > max_chars and last > piece_start:
            out.append(Clause(text[piece_start:last], start + piece_start, start + last))
            piece_start = last
        last = pos
    out.append(Clause(text[piece_start:], start + piece_start, start + len(text)))
    return out


def split_clauses(text: str, min_chars: int | None = None, max_chars: int | None = None) -> list[Clause]:
    """The clauses of a passage: sentences (。；！？ and line breaks), numbering stripped, a fragment
    shorter than min_chars joined to its neighbour, a sentence longer than max_chars cut at commas."""
    min_chars = config.ALIGN_MIN_CLAUSE if min_chars is None else min_chars
    max_chars = config.ALIGN_MAX_CLAUSE if max_chars is None else max_chars
    raw: list[list[int]] = []
    for m in _SENTENCE.finditer(text or ""):
        s, e = m.start(), m.end()
        num = _NUMBERING.match(text, s, e)
        if num:
            s = num.end()
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if _PUNCT.sub("", text[s:e]):
            raw.append([s, e])
    merged: list[list[int]] = []
    for span in raw:
        if merged and (_content_len(text[merged[-1][0]:merged[-1][1]]) < min_chars
                       or _content_len(text[span[0]:span[1]]) < min_chars):
            merged[-1][1] = span[1]
        else:
            merged.append(span)
    out: list[Clause] = []
    for s, e in merged:
        out.extend(_cut_long(text[s:e], s, max_chars))
    return out


def _content_len(text: str) -> int:
    return len(_PUNCT.sub("", text))


def _key(text: str) -> str:
    """What is compared character by character: NFKC, lower case, no punctuation or spaces."""
    return _PUNCT.sub("", normalize(text))


# ---------------------------------------------------------------- shared wording

def smith_waterman(a: list[str], b: list[str]) -> np.ndarray:
    """Best local-alignment score of each pair (a[k], b[k]). Pairs are aligned in batches of similar
    length, row by row over a, vectorised over the pairs and over b (linear gap penalty)."""
    out = np.zeros(len(a))
    order = sorted(range(len(a)), key=lambda k: (len(a[k]), len(b[k])))
    for lo in range(0, len(order), SW_BATCH):
        part = order[lo:lo + SW_BATCH]
        out[part] = _sw_batch([a[k] for k in part], [b[k] for k in part])
    return out


def _sw_batch(a: list[str], b: list[str]) -> np.ndarray:
    n = len(a)
    la = max(1, max(len(s) for s in a))
    lb = max(1, max(len(s) for s in b))
    A = np.full((n, la), -1, dtype=np.int32)
    B = np.full((n, lb), -2, dtype=np.int32)
    for k, (s, t) in enumerate(zip(a, b)):
        if s:
            A[k, :len(s)] = np.frombuffer(s.encode("utf-32-le"), dtype=np.int32)
        if t:
            B[k, :len(t)] = np.frombuffer(t.encode("utf-32-le"), dtype=np.int32)
    ramp = np.arange(lb, dtype=np.int16) * np.int16(-SW_GAP)
    prev = np.zeros((n, lb + 1), dtype=np.int16)
    best = np.zeros(n, dtype=np.int16)
    match, mismatch, gap = np.int16(SW_MATCH), np.int16(SW_MISMATCH), np.int16(SW_GAP)
    for i in range(la):
        t = np.where(A[:, i:i + 1] == B, match, mismatch)
        t += prev[:, :-1]
        np.maximum(t, prev[:, 1:] + gap, out=t)
        np.maximum(t, 0, out=t)
        t += ramp
        h = np.maximum.accumulate(t, axis=1)
        h -= ramp
        np.maximum(best, h.max(axis=1), out=best)
        prev[:, 1:] = h
    return best.astype(np.float64)


def wording_share(a: list[str], b: list[str], keyed: bool = False) -> np.ndarray:
    """Share of each a[k] that b[k] reproduces: local-alignment score over a perfect copy of a[k]
    (keyed: a and b are already comparison strings, see _key)."""
    ka, kb = (a, b) if keyed else ([_key(s) for s in a], [_key(s) for s in b])
    scores = smith_waterman(ka, kb)
    full = np.array([SW_MATCH * max(1, len(s)) for s in ka], dtype=np.float64)
    return np.clip(scores / full, 0.0, 1.0)


def shared_spans(a: str, b: str, min_span: int = 8) -> list[tuple[int, int, int]]:
    """(start in a, start in b, length) of aligned common runs of at least min_span characters."""
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    return [(m.a, m.b, m.size) for m in matcher.get_matching_blocks() if m.size >= min_span]


def _shared_runs(a: str, b: str, min_span: int | None = None) -> list[tuple[int, int, int]]:
    """shared_spans of a and b ignoring case and full/half width (offsets index the texts as written),
    keeping runs with at least min_span characters that are not punctuation."""
    min_span = config.ALIGN_MARK_MIN if min_span is None else min_span
    na, nb = normalize(a), normalize(b)
    if len(na) != len(a) or len(nb) != len(b):   # NFKC changed a length: match the texts as written
        na, nb = a, b
    return [(s, t, n) for s, t, n in shared_spans(na, nb, min_span) if _content_len(a[s:s + n]) >= min_span]


# ---------------------------------------------------------------- clause store

@dataclass
class PlanClauses:
    """Every clause of one plan's chunks (rows of the engine's chunk table), with vectors."""
    plan_id: str
    rows: list[int]                  # engine rows, in table order
    clauses: list[Clause]
    owner: np.ndarray                # engine row of each clause
    vectors: np.ndarray              # clause embeddings (unit rows)
    bigrams: object                  # sparse TF-IDF rows
    words: object                    # sparse rows: IDF of each word the clause holds
    passages: object                 # sparse bigram TF-IDF row of each whole passage (rows order)
    keys: list[str]                  # comparison strings (see _key)
    by_row: dict[int, np.ndarray] = field(default_factory=dict)   # row → its clause indices


class ClauseStore:
    """Clauses and clause vectors of the engine's chunks, per plan, built on first use and memoised.
    Clause vectors come from the index's similarity model, cached on disk like the index's own vectors."""

    def __init__(self, engine):
        self.engine = engine
        self._lock = threading.Lock()
        self._plans: dict[str, PlanClauses] = {}
        self._heading_vec: dict[tuple[str, ...], np.ndarray] = {}
        self._cache: EmbeddingCache | None = None
        texts = [c.text for r in engine.records for c in split_clauses(r["text"])]
        self.vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(2, 2), sublinear_tf=True,
                                          preprocessor=_key).fit(texts or ["空"])
        self.word_idf = TfidfVectorizer(tokenizer=tokenize, lowercase=False, token_pattern=None, binary=True,
                                        norm=None).fit(texts or ["空"])

    def words(self, texts: list[str]):
        """Sparse rows holding the IDF of each word of each text (binary term weights)."""
        return self.word_idf.transform(texts)

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit vectors for texts (disk-cached by model and text)."""
        if not texts:
            return np.zeros((0, self.engine.vectors.shape[1]), dtype=np.float32)
        # The similarity model's vectors (engine.vectors), on which the thresholds are calibrated.
        encoder = self.engine.leg_encoder(self.engine.similarity_leg)
        if self._cache is None:
            self._cache = open_cache(encoder)
        return embed_texts(texts, encoder, self._cache, batch=config.EMBED_BATCH)[0]

    def plan(self, plan_id: str) -> PlanClauses:
        """The clauses of plan_id's chunks (all kinds but indicator rows)."""
        with self._lock:
            pc = self._plans.get(plan_id)
            if pc is None:
                pc = self._plans[plan_id] = self._build(plan_id)
            return pc

    def _build(self, plan_id: str) -> PlanClauses:
        rec = self.engine.records
        rows = [i for i, r in enumerate(rec) if r["plan_id"] == plan_id and r["kind"] != "indicator"]
        clauses, owner = [], []
        for i in rows:
            for c in split_clauses(rec[i]["text"]):
                clauses.append(c)
                owner.append(i)
        owner_arr = np.array(owner, dtype=np.int64)
        texts = [c.text for c in clauses]
        pc = PlanClauses(plan_id, rows, clauses, owner_arr, self.embed(texts),
                         self.vectorizer.transform(texts) if texts else None,
                         self.words(texts) if texts else None,
                         self.vectorizer.transform([rec[i]["text"] for i in rows]) if rows else None,
                         [_key(t) for t in texts])
        for i in rows:
            pc.by_row[i] = np.flatnonzero(owner_arr == i)
        return pc

    def heading_vectors(self, paths: list[tuple[str, ...]]) -> np.ndarray:
        """Embeddings of the chapter / section titles above passages (the outline they sit in)."""
        missing = [p for p in dict.fromkeys(paths) if p not in self._heading_vec]
        if missing:
            vecs = self.embed([" ".join(p) for p in missing])
            with self._lock:
                self._heading_vec.update(zip(missing, vecs))
        return np.stack([self._heading_vec[p] for p in paths]) if paths else np.zeros((0, 1))


@lru_cache(maxsize=4)
def clause_store(engine) -> ClauseStore:
    """The ClauseStore of an engine (one per loaded index)."""
    return ClauseStore(engine)


def passage_hit(engine, row: int, score: float) -> Hit:
    """The Hit of chunk row `row` without query highlighting (the text HTML-escaped as it is)."""
    r = engine.records[row]
    return Hit(plan_id=r["plan_id"], plan_title=r["plan_title"], level=r["level"], chunk_id=r["chunk_id"],
               kind=r["kind"], phase=r["phase"], heading_path=list(r["heading_path"]), text=r["text"],
               highlight=html.escape(r["text"]), score=round(float(score), 6),
               line_start=r["line_start"], line_end=r["line_end"])


def clause_marks(pairs: list[tuple[Clause, Clause]], min_span: int | None = None
                 ) -> tuple[list[tuple[int, int]], list[tuple[int, int]], list[str]]:
    """Shared wording of aligned clause pairs (a, b): spans in a's passage, spans in b's passage,
    and the shared texts, in a's order."""
    spans_a, spans_b, shared = [], [], []
    for ca, cb in pairs:
        for s, t, n in _shared_runs(ca.text, cb.text, min_span):
            spans_a.append((ca.start + s, ca.start + s + n))
            spans_b.append((cb.start + t, cb.start + t + n))
            shared.append(ca.text[s:s + n])
    return _disjoint(spans_a), _disjoint(spans_b), shared


def _disjoint(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(set(spans)):
        if out and s < out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def outline_path(record: dict) -> tuple[str, ...]:
    """Chapter and section title of a passage (not its 专栏 title): the theme it sits under."""
    return tuple(record["heading_path"][:2])


# ---------------------------------------------------------------- clause alignment

@dataclass
class ClauseMatch:
    """The best counterpart of one clause among a set of candidate clauses."""
    index: int              # clause index in the target PlanClauses (-1: none considered)
    score: float            # blended score (config.ALIGN_W_*)
    meaning: float          # embedding cosine
    wording: float          # share of the clause reproduced (Smith-Waterman)
    terms: float            # IDF-weighted share of the clause's words found in the counterpart
    outline: float          # similarity of the two passages' chapter / section titles


def term_cover(words_a, words_b) -> np.ndarray:
    """IDF-weighted share of each a-clause's words that each b-clause holds (a × b matrix)."""
    held = (words_a @ (words_b > 0).T.astype(np.float64)).toarray()
    total = np.asarray(words_a.sum(axis=1)).ravel()
    return held / np.maximum(total, 1e-9)[:, None]


def blend(meaning, wording, terms, outline=None):
    """The clause-pair score: weighted mean of meaning, shared wording and (when both passages have
    one) outline similarity; weights in config."""
    total = config.ALIGN_W_MEANING * meaning + config.ALIGN_W_WORDING * wording + config.ALIGN_W_TERMS * terms
    weight = config.ALIGN_W_MEANING + config.ALIGN_W_WORDING + config.ALIGN_W_TERMS
    if outline is not None and config.ALIGN_W_OUTLINE:
        total = total + config.ALIGN_W_OUTLINE * outline
        weight += config.ALIGN_W_OUTLINE
    return total / weight


@dataclass
class Source:
    """Clauses to align (a provincial measure's actions, a draft paragraph) with their features."""
    texts: list[str]
    vectors: np.ndarray              # embeddings (unit rows)
    bigrams: object                  # ClauseStore.vectorizer rows
    words: object                    # ClauseStore.words rows
    keys: list[str]                  # comparison strings (see _key)
    heads: np.ndarray | None = None  # outline vectors of the passages they sit in (None: no outline)


def source_of(store: ClauseStore, texts: list[str]) -> Source:
    """A Source for free text (a draft): embedded and vectorised now."""
    return Source(texts, store.embed(texts), store.vectorizer.transform(texts), store.words(texts),
                  [_key(t) for t in texts])


def plan_source(store: ClauseStore, pc: PlanClauses, idx: np.ndarray) -> Source:
    """A Source for clauses idx of a plan, with the outline of their passages."""
    rec = store.engine.records
    heads = store.heading_vectors([outline_path(rec[pc.owner[k]]) for k in idx])
    return Source([pc.clauses[k].text for k in idx], pc.vectors[idx], pc.bigrams[idx], pc.words[idx],
                  [pc.keys[k] for k in idx], heads)


def align_clauses(store: ClauseStore, src: Source, target: PlanClauses, allowed: np.ndarray | None = None,
                  candidates: int | None = None) -> list[ClauseMatch]:
    """For each source clause, its best clause in target: candidates by meaning + bigram cosine +
    term cover, then Smith-Waterman on candidates only. allowed: boolean mask over target clauses."""
    k = config.ALIGN_CANDIDATES if candidates is None else candidates
    texts = src.texts
    if not texts or not len(target.clauses):
        return [ClauseMatch(-1, 0.0, 0.0, 0.0, 0.0, 0.0) for _ in texts]
    meaning = src.vectors @ target.vectors.T
    lex = (src.bigrams @ target.bigrams.T).toarray()
    terms = term_cover(src.words, target.words)
    pre = meaning + lex + terms
    if allowed is not None:
        pre = np.where(allowed[None, :], pre, -np.inf)
    k = min(k, pre.shape[1])
    cand = np.argpartition(-pre, k - 1, axis=1)[:, :k]
    rows = np.repeat(np.arange(len(texts)), k)
    dst = cand.ravel()
    ok = np.isfinite(pre[rows, dst])
    rows, dst = rows[ok], dst[ok]
    wording = wording_share([src.keys[s] for s in rows], [target.keys[d] for d in dst], keyed=True)
    outline = None
    if src.heads is not None and config.ALIGN_W_OUTLINE:
        rec = store.engine.records
        tgt_heads = store.heading_vectors([outline_path(rec[target.owner[d]]) for d in dst])
        outline = np.einsum("ij,ij->i", src.heads[rows], tgt_heads)
    scores = blend(meaning[rows, dst], wording, terms[rows, dst], outline)
    out = [ClauseMatch(-1, 0.0, 0.0, 0.0, 0.0, 0.0) for _ in texts]
    order = np.lexsort((-scores, rows))
    first = order[np.r_[True, rows[order][1:] != rows[order][:-1]]] if len(order) else order
    for n in first:
        s, d = int(rows[n]), int(dst[n])
        out[s] = ClauseMatch(d, float(scores[n]), float(meaning[s, d]), float(wording[n]), float(terms[s, d]),
                             float(outline[n]) if outline is not None else 0.0)
    return out


def pair_scores(store: ClauseStore, src: Source, target: PlanClauses, groups: list[np.ndarray]) -> list[np.ndarray]:
    """For each group of target clause indices (a passage), the full (source clause × group) score
    matrix; every pair is aligned, all groups in one batch."""
    m = len(src.texts)
    flat = np.concatenate(groups) if groups else np.zeros(0, dtype=np.int64)
    if not m or not len(flat):
        return [np.zeros((m, len(g))) for g in groups]
    meaning = src.vectors @ target.vectors[flat].T
    terms = term_cover(src.words, target.words[flat])
    rows = np.repeat(np.arange(m), len(flat))
    cols = np.tile(flat, m)
    wording = wording_share([src.keys[s] for s in rows], [target.keys[d] for d in cols], keyed=True).reshape(m, -1)
    outline = None
    if src.heads is not None and config.ALIGN_W_OUTLINE:
        rec = store.engine.records
        outline = src.heads @ store.heading_vectors([outline_path(rec[target.owner[j]]) for j in flat]).T
    scores = blend(meaning, wording, terms, outline)
    bounds = np.cumsum([0] + [len(g) for g in groups])
    return [scores[:, a:b] for a, b in zip(bounds[:-1], bounds[1:])]
