"""Query-time thesaurus: groups of official and colloquial forms of the same idea."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import config
from index.tokenize import normalize


@lru_cache(maxsize=4)
def load_groups(path: str | None = None) -> tuple[tuple[str, ...], ...]:
    """Synonym groups from the thesaurus file (one group per line, '#' comments)."""
    p = Path(path or config.SYNONYMS_PATH)
    if not p.exists():
        return ()
    groups = []
    for line in p.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0]
        words = tuple(dict.fromkeys(normalize(w) for w in line.replace("/", " ").split()))
        if len(words) > 1:
            groups.append(words)
    return tuple(groups)


@lru_cache(maxsize=4096)
def synonyms(word: str) -> tuple[str, ...]:
    """The other forms of a word in every thesaurus group that holds it exactly."""
    return tuple(dict.fromkeys(f for g in load_groups() if word in g for f in g if f != word and len(f) > 1))
