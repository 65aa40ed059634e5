"""Load the corpus: manifest + plan files → parsed Plan objects."""
from __future__ import annotations

from pathlib import Path

import config
from corpus.manifest import read_manifest
from corpus.model import Plan
from corpus.parser import parse_plan


def load_corpus(corpus_dir: Path | None = None) -> list[Plan]:
    """Every plan of the manifest, parsed, in manifest order."""
    corpus_dir = Path(corpus_dir or config.CORPUS_DIR)
    plans = []
    for info in read_manifest(corpus_dir / "plans.toml"):
        text = (corpus_dir / "plans" / info.file).read_text(encoding="utf-8")
        plans.append(parse_plan(info, text))
    return plans
