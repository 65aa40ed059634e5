"""Parsed plans cached on disk, keyed by what a parse depends on (parser source, manifest entry,
plan text), so a build of a large corpus parses only the plans that are new or changed."""
from __future__ import annotations

import hashlib
import json
import os
import uuid
from dataclasses import asdict
from functools import lru_cache
from pathlib import Path

from corpus import lines, model, parser, tables
from corpus.model import Plan, PlanInfo
from corpus.parser import parse_plan


@lru_cache(maxsize=1)
def parser_digest() -> str:
    """Hash of the source of every module a parse runs."""
    h = hashlib.sha256()
    for module in (parser, lines, tables, model):
        h.update(Path(module.__file__).read_bytes())
    return h.hexdigest()


def cache_key(info: PlanInfo, text: str) -> str:
    """The cache entry name of a plan's parse."""
    h = hashlib.sha256(parser_digest().encode())
    h.update(json.dumps(asdict(info), ensure_ascii=False, sort_keys=True).encode("utf-8"))
    h.update(text.encode("utf-8"))
    return h.hexdigest()


def parse_cached(info: PlanInfo, text: str, folder: Path) -> Plan:
    """parse_plan(info, text), read from `folder` when this very parse was saved there before.
    An unreadable entry is parsed again; an unwritable folder only costs the saving."""
    path = Path(folder) / f"{cache_key(info, text)}.json"
    try:
        return Plan.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        pass
    plan = parse_plan(info, text)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(plan.to_dict(), ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
    return plan
