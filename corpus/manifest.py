"""Read and write the plan manifest (corpus/plans.toml)."""
from __future__ import annotations

import tomllib
from dataclasses import asdict, fields
from pathlib import Path

from corpus.model import PlanInfo

_FIELDS = [f.name for f in fields(PlanInfo)]


def read_manifest(path: Path) -> list[PlanInfo]:
    """Plans listed in the manifest, in file order."""
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    return [PlanInfo(**{k: str(v) for k, v in entry.items() if k in _FIELDS})
            for entry in data.get("plan", [])]


def _toml_str(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def render_manifest(plans: list[PlanInfo]) -> str:
    """TOML text for a list of plans (the inverse of read_manifest)."""
    out = ["# Plans in the corpus. `id` is an interface: keep it stable.",
           "# file is relative to corpus/plans/. parent is the id of the plan one level up,",
           "# or empty; parent_name names a parent that is not in the corpus.", ""]
    for p in plans:
        out.append("[[plan]]")
        out += [f"{k} = {_toml_str(v)}" for k, v in asdict(p).items()]
        out.append("")
    return "\n".join(out)


def write_manifest(path: Path, plans: list[PlanInfo]) -> None:
    """Write the manifest atomically (temp file + rename)."""
    tmp = path.with_suffix(".toml.tmp")
    try:
        tmp.write_text(render_manifest(plans), encoding="utf-8")
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
