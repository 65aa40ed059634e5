"""Add a user-supplied plan to the corpus: validate, import the text, update the manifest.

Nothing in the corpus changes unless the whole addition succeeds.
"""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import config
from corpus.importing import PlanImportError, read_plan_text
from corpus.manifest import read_manifest, write_manifest
from corpus.model import PlanInfo
from corpus.parser import parse_plan

PLAN_ID = re.compile(r"^[a-z][a-z0-9_-]{1,39}$")


def _existing_plans(manifest_path: Path) -> list[PlanInfo]:
    try:
        return read_manifest(manifest_path)
    except (OSError, tomllib.TOMLDecodeError, TypeError) as exc:
        raise PlanImportError(f"无法读取规划清单 {manifest_path}：{exc} / "
                              f"Cannot read the plan manifest {manifest_path}: {exc}") from exc


def _validate(plans: list[PlanInfo], plan_id: str, title: str, level: str,
              parent: str, target: Path) -> None:
    ids = {p.id for p in plans}
    if not PLAN_ID.match(plan_id):
        raise PlanImportError(
            f"规划编号“{plan_id}”无效：须以小写字母开头，只含小写字母、数字、- 和 _，长度 2–40 / "
            f"Invalid plan id '{plan_id}': start with a lowercase letter, then lowercase "
            "letters, digits, '-' or '_' (2-40 characters)")
    if plan_id in ids or target.exists():
        raise PlanImportError(f"规划编号“{plan_id}”已存在 / A plan with id '{plan_id}' already exists")
    if not title:
        raise PlanImportError("规划标题不能为空 / The plan title must not be empty")
    if level not in config.LEVELS:
        raise PlanImportError(f"行政级别“{level}”无效，可选：{', '.join(config.LEVELS)} / "
                              f"Invalid level '{level}': choose one of {', '.join(config.LEVELS)}")
    if parent and parent not in ids:
        raise PlanImportError(f"上级规划“{parent}”不在语料库中 / "
                              f"Parent plan '{parent}' is not in the corpus")


def add_plan(src: Path, *, plan_id: str, title: str, level: str, parent: str = "",
             region: str = "", corpus_dir: Path) -> tuple[PlanInfo, list[str]]:
    """Add the plan file `src` under `plan_id`; returns its manifest entry and parse warnings."""
    corpus_dir = Path(corpus_dir)
    manifest_path = corpus_dir / "plans.toml"
    target = corpus_dir / "plans" / f"{plan_id}.txt"
    title, region, parent = title.strip(), region.strip(), parent.strip()

    plans = _existing_plans(manifest_path)
    _validate(plans, plan_id, title, level, parent, target)
    text = read_plan_text(Path(src))
    parent_name = next((p.region for p in plans if p.id == parent), "")
    info = PlanInfo(id=plan_id, title=title, region=region, level=level, parent=parent,
                    parent_name=parent_name, file=target.name)
    try:
        warnings = list(parse_plan(info, text).warnings)
    # Any parser failure means the plan cannot be indexed: refuse it instead of adding it.
    except Exception as exc:
        raise PlanImportError(f"无法解析规划文本：{exc} / The plan text could not be parsed: {exc}") from exc

    created = False
    try:
        with open(target, "xb") as fh:
            created = True
            fh.write(text.encode("utf-8"))
        write_manifest(manifest_path, plans + [info])
    except OSError as exc:
        if created:
            target.unlink(missing_ok=True)
        raise PlanImportError(f"无法写入语料库：{exc} / Cannot write to the corpus: {exc}") from exc
    return info, warnings
