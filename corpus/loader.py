"""Load the corpus: manifest + plan files → parsed Plan objects (parses cached, see parse_cache)."""
from __future__ import annotations

from pathlib import Path

import config
from corpus.manifest import read_manifest
from corpus.model import Plan
from corpus.parse_cache import parse_cached


def load_corpus(corpus_dir: Path | None = None, parse_cache: Path | None = None) -> list[Plan]:
    """Every plan of the manifest, parsed, in manifest order."""
    corpus_dir = Path(corpus_dir or config.CORPUS_DIR)
    parse_cache = Path(parse_cache or config.PARSE_CACHE_DIR)
    plans = []
    for info in read_manifest(corpus_dir / "plans.toml"):
        text = (corpus_dir / "plans" / info.file).read_text(encoding="utf-8")
        plans.append(parse_cached(info, text, parse_cache))
    return plans
