"""Add user-supplied plans to the corpus: read, propose metadata, validate, parse, then write the
plan text and the manifest. Nothing in the corpus changes unless one plan's whole addition
succeeds; in a batch every file is added or refused on its own."""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import config
from corpus.importing import SUFFIXES, ImportedText, PlanImportError, read_plan
from corpus.importing.metadata import Proposal, propose
from corpus.importing.report import StructureReport, structure_report
from corpus.manifest import read_manifest, write_manifest
from corpus.model import Plan, PlanInfo
from corpus.parser import parse_plan

PLAN_ID = re.compile(r"^[a-z][a-z0-9_-]{1,39}$")
METADATA = ("plan_id", "title", "level", "parent", "region", "parent_name", "issuer", "date", "doc_number")


@dataclass
class Prepared:
    """A plan read, validated and parsed, ready to be written."""
    info: PlanInfo
    text: str
    plan: Plan
    report: StructureReport


@dataclass
class BatchResult:
    """One file of a batch: added (info and report) or refused (error)."""
    source: Path
    info: PlanInfo | None = None
    report: StructureReport | None = None
    error: str = ""
    proposal: Proposal | None = field(default=None, repr=False)


def existing_plans(corpus_dir: Path) -> list[PlanInfo]:
    """The plans in the corpus manifest."""
    manifest_path = Path(corpus_dir) / "plans.toml"
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
        raise PlanImportError("规划标题不能为空（未能从文件中识别标题，请指定 --title） / "
                              "The plan title must not be empty (none found in the file: give --title)")
    if not level:
        raise PlanImportError("未能确定行政级别，请指定 --level / "
                              "The administrative level could not be determined: give --level")
    if level not in config.LEVELS:
        raise PlanImportError(f"行政级别“{level}”无效，可选：{', '.join(config.LEVELS)} / "
                              f"Invalid level '{level}': choose one of {', '.join(config.LEVELS)}")
    if parent and parent not in ids:
        raise PlanImportError(f"上级规划“{parent}”不在语料库中 / "
                              f"Parent plan '{parent}' is not in the corpus")


def read_with_proposal(src: Path, corpus_dir: Path) -> tuple[ImportedText, Proposal]:
    """Read a plan file and propose its metadata from its own text (nothing is written)."""
    imported = read_plan(Path(src))
    return imported, propose(imported.text, existing_plans(corpus_dir))


def prepare_plan(imported: ImportedText, *, plan_id: str, title: str, level: str, parent: str = "",
                 region: str = "", corpus_dir: Path, parent_name: str = "", issuer: str = "",
                 date: str = "", doc_number: str = "", require_chapters: bool = False,
                 source: str = "") -> Prepared:
    """Parse the text and validate the metadata; nothing is written. With `require_chapters`, a
    text in which no chapter is found is refused as not being a plan."""
    corpus_dir = Path(corpus_dir)
    plan_id, title, region, parent = plan_id.strip(), title.strip(), region.strip(), parent.strip()
    target = corpus_dir / "plans" / f"{plan_id}.txt"
    plans = existing_plans(corpus_dir)
    parent_name = next((p.region for p in plans if p.id == parent), "") or parent_name.strip()
    info = PlanInfo(id=plan_id, title=title, region=region, level=level, parent=parent,
                    parent_name=parent_name, issuer=issuer.strip(), date=date.strip(),
                    doc_number=doc_number.strip(), file=target.name)
    try:
        plan = parse_plan(info, imported.text)
    # Any parser failure means the plan cannot be indexed: refuse it instead of adding it.
    except Exception as exc:
        raise PlanImportError(f"无法解析规划文本：{exc} / The plan text could not be parsed: {exc}") from exc
    if require_chapters and not plan.chapters:
        name = source or "该文件"
        raise PlanImportError(
            f"{name} 中未识别到章节标题（如“第一章”或“一、”），不像一份规划；确认仍要添加请使用 --allow-flat / "
            f"No chapter headings found in {source or 'the file'}: it does not look like a plan "
            "(use --allow-flat to add it anyway)")
    _validate(plans, plan_id, title, level, parent, target)
    report = structure_report(plan, imported.text, imported.warnings, imported.pages)
    return Prepared(info, imported.text, plan, report)


def commit_plan(prepared: Prepared, corpus_dir: Path) -> PlanInfo:
    """Write the plan text and the manifest entry; on any failure neither is left behind."""
    corpus_dir = Path(corpus_dir)
    manifest_path = corpus_dir / "plans.toml"
    target = corpus_dir / "plans" / prepared.info.file
    plans = existing_plans(corpus_dir)
    if any(p.id == prepared.info.id for p in plans):
        raise PlanImportError(f"规划编号“{prepared.info.id}”已存在 / "
                              f"A plan with id '{prepared.info.id}' already exists")
    created = False
    try:
        with open(target, "xb") as fh:
            created = True
            fh.write(prepared.text.encode("utf-8"))
        write_manifest(manifest_path, plans + [prepared.info])
    except OSError as exc:
        if created:
            target.unlink(missing_ok=True)
        raise PlanImportError(f"无法写入语料库：{exc} / Cannot write to the corpus: {exc}") from exc
    return prepared.info


def add_plan(src: Path, *, plan_id: str, title: str, level: str, parent: str = "",
             region: str = "", corpus_dir: Path, **extra: str) -> tuple[PlanInfo, list[str]]:
    """Add the plan file `src` under `plan_id`; returns its manifest entry and warnings."""
    prepared = prepare_plan(read_plan(Path(src)), plan_id=plan_id, title=title, level=level,
                            parent=parent, region=region, corpus_dir=corpus_dir, **extra)
    return commit_plan(prepared, corpus_dir), prepared.report.warnings


def metadata_from(proposal: Proposal, overrides: dict[str, str]) -> dict[str, str]:
    """The proposal with every non-empty override (command-line flag, form field) applied."""
    meta = {k: getattr(proposal, k) for k in METADATA}
    meta.update({k: v for k, v in overrides.items() if k in METADATA and v})
    if overrides.get("parent") == "-":          # explicitly no parent
        meta["parent"] = ""
    return meta


def plan_files(paths: Iterable[Path]) -> list[Path]:
    """The files to add: each given file, and the plan files directly inside each given folder."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in SUFFIXES)
        else:
            out.append(p)
    return out


def add_batch(files: list[Path], *, corpus_dir: Path, overrides: dict[str, str] | None = None,
              allow_flat: bool = False,
              progress: Callable[[int, int, Path], None] | None = None) -> list[BatchResult]:
    """Add several plan files, each on its own with the metadata read from it (overrides apply
    to every file); a file without chapters is refused unless `allow_flat`."""
    results = []
    for k, src in enumerate(files):
        if progress:
            progress(k, len(files), src)
        result = BatchResult(Path(src))
        try:
            imported, proposal = read_with_proposal(src, corpus_dir)
            result.proposal = proposal
            meta = metadata_from(proposal, overrides or {})
            same = next((p for p in existing_plans(corpus_dir) if p.title == meta["title"]), None)
            if same is not None and not (overrides or {}).get("plan_id"):
                raise PlanImportError(
                    f"文库中已有同名规划“{same.title}”（编号 {same.id}），未重复添加；确需再次添加请指定新编号 / "
                    f"The corpus already holds a plan titled like this one (id '{same.id}'): not added "
                    "again (give an explicit id to add it anyway)")
            if not meta["plan_id"]:
                meta["plan_id"] = _id_from_name(Path(src), {p.id for p in existing_plans(corpus_dir)})
            prepared = prepare_plan(imported, corpus_dir=corpus_dir, require_chapters=not allow_flat,
                                    source=Path(src).name, **meta)
            result.info = commit_plan(prepared, corpus_dir)
            result.report = prepared.report
        except PlanImportError as exc:
            result.error = str(exc)
        results.append(result)
    if progress:
        progress(len(files), len(files), Path())
    return results


def _id_from_name(src: Path, taken: set[str]) -> str:
    stem = re.sub(r"[^a-z0-9_-]", "", src.stem.lower())
    stem = stem if PLAN_ID.match(stem) else f"plan-{stem}"[:40] if stem else "plan"
    candidate, k = stem, 2
    while candidate in taken:
        candidate, k = f"{stem}-{k}", k + 1
    return candidate
