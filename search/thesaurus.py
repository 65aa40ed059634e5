"""Query-time concept vocabulary: groups of official and colloquial forms of the same idea.

corpus/synonyms.txt holds one group per line, under "# ---- field" headings; the plans' own
terms come first. concept_reach() tells how many passages of each plan a group reaches, so the
vocabulary can be reviewed against the plans (python -m search concepts).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import config
from index.tokenize import normalize


@dataclass(frozen=True)
class Concept:
    """One concept group: its field heading and its words (the plans' own terms first)."""
    field: str
    words: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.words[0]


@lru_cache(maxsize=4)
def load_concepts(path: str | None = None) -> tuple[Concept, ...]:
    """Concept groups from the vocabulary file (one group per line, '#' comments, '# ----' fields)."""
    p = Path(path or config.SYNONYMS_PATH)
    if not p.exists():
        return ()
    concepts, current = [], ""
    for line in p.read_text(encoding="utf-8").splitlines():
        if line.startswith("# ----"):
            current = line.strip("# -")
        line = line.split("#", 1)[0]
        words = tuple(dict.fromkeys(normalize(w) for w in line.replace("/", " ").split()))
        if len(words) > 1:
            concepts.append(Concept(current, words))
    return tuple(concepts)


@lru_cache(maxsize=4)
def load_groups(path: str | None = None) -> tuple[tuple[str, ...], ...]:
    """The words of every concept group."""
    return tuple(c.words for c in load_concepts(path))


@lru_cache(maxsize=4096)
def synonyms(word: str) -> tuple[str, ...]:
    """The other forms of a word in every thesaurus group that holds it exactly."""
    return tuple(dict.fromkeys(f for g in load_groups() if word in g for f in g if f != word and len(f) > 1))


def concept_reach(concept: Concept, texts: list[str], plan_ids: list[str]) -> dict:
    """Passages of each plan holding any word of the group, and the words no passage holds.
    texts are normalised passage texts (spaces removed), plan_ids their plans, row by row."""
    per_plan = dict.fromkeys(dict.fromkeys(plan_ids), 0)
    used = set()
    for text, pid in zip(texts, plan_ids):
        found = {w for w in concept.words if w in text}
        if found:
            per_plan[pid] += 1
            used |= found
    return {"concept": concept.name, "field": concept.field, "words": list(concept.words),
            "passages": per_plan, "unused_words": [w for w in concept.words if w not in used]}
