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


def expand(text: str, path: str | None = None) -> list[tuple[str, list[str]]]:
    """(query word, its synonyms) for every thesaurus term found in text, longest words first."""
    norm = normalize(text)
    out: list[tuple[str, list[str]]] = []
    for group in load_groups(path):
        present = [w for w in group if w in norm]
        others = [w for w in group if w not in norm]
        if present and others:
            out.append((max(present, key=len), others))
    return out
