"""Command line: python -m corpus {outline,chunks,indicators,add}."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import config
from corpus.loader import load_corpus


def _dump(data) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


def _print_outline(plans) -> None:
    for p in plans:
        print(f"{p.id}  {p.info.title}")
        for c in p.chapters:
            print(f"  {c.title}")
            for s in c.sections:
                print(f"    {s.title}")


def _print_report(report) -> None:
    print("  结构：" + report.summary())
    for w in report.warnings:
        print(f"  提示：{w}")


def _progress(k: int, n: int, src: Path) -> None:
    """A text progress bar on stderr: [#####-----] 3/7 name."""
    width = 20
    done = width * k // max(1, n)
    label = src.name if k < n else "完成 / done"
    print(f"[{'#' * done}{'-' * (width - done)}] {k}/{n} {label}", file=sys.stderr, flush=True)


def _add(args) -> int:
    from corpus.adding import add_batch, plan_files, read_with_proposal
    from corpus.importing import PlanImportError

    files = plan_files(Path(f) for f in args.files)
    single = len(args.files) == 1 and not Path(args.files[0]).is_dir()
    if not files:
        print("error: 没有找到可添加的规划文件（.txt、.docx、.pdf） / no plan files (.txt, .docx, .pdf) found",
              file=sys.stderr)
        return 2
    if not single and (args.id or args.title):
        print("error: --id 与 --title 只能用于单个文件 / --id and --title apply to a single file only",
              file=sys.stderr)
        return 2
    overrides = {"plan_id": args.id, "title": args.title, "level": args.level, "parent": args.parent,
                 "region": args.region, "issuer": args.issuer, "date": args.date, "doc_number": args.doc_number}
    if args.dry_run:
        for src in files:
            try:
                _, proposal = read_with_proposal(src, config.CORPUS_DIR)
            except PlanImportError as exc:
                print(f"{src.name}: error: {exc}")
                continue
            print(f"{src.name}:")
            for key in ("plan_id", "title", "region", "level", "parent", "parent_name", "doc_number",
                        "issuer", "date"):
                print(f"  {key}: {getattr(proposal, key)}")
            for note in proposal.notes:
                print(f"  提示：{note}")
        return 0
    results = add_batch(files, corpus_dir=config.CORPUS_DIR, overrides=overrides,
                        allow_flat=args.allow_flat, progress=None if single else _progress)
    for r in results:
        if r.error:
            print(f"error: {r.source.name}: {r.error}", file=sys.stderr)
            continue
        print(f"added plan {r.info.id}: {r.info.title} → {config.PLANS_DIR / r.info.file}")
        _print_report(r.report)
    if not single:
        print("\n| 文件 | 结果 | 编号 | 章 | 节 | “十四五”指标行 | 提示 |")
        print("|---|---|---|---|---|---|---|")
        for r in results:
            if r.error:
                print(f"| {r.source.name} | 未添加 | | | | | {r.error.split(' / ')[0]} |")
            else:
                rep = r.report
                print(f"| {r.source.name} | 已添加 | {r.info.id} | {rep.chapters} | {rep.sections} "
                      f"| {rep.indicators_14th} | {len(rep.warnings)} |")
        print(f"{sum(not r.error for r in results)} of {len(results)} added; "
              "run `python -m index build` (or `make run`) to index them")
    return 2 if any(r.error for r in results) else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m corpus", description="Inspect and extend the plan corpus.")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_ in (("outline", "chapters and sections of every plan"),
                        ("chunks", "all task-level chunks"),
                        ("indicators", "all indicator-table rows")):
        p = sub.add_parser(name, help=help_)
        p.add_argument("--json", action="store_true", help="print JSON")
    add = sub.add_parser("add", help="add plans (.txt, .docx or .pdf files, or folders of them) to the corpus; "
                                     "metadata not given is read from each file")
    add.add_argument("files", nargs="+", metavar="FILE")
    add.add_argument("--id", default="")
    add.add_argument("--title", default="")
    add.add_argument("--level", default="", choices=("",) + config.LEVELS)
    add.add_argument("--parent", default="", help="id of the parent plan ('-' for none)")
    add.add_argument("--region", default="")
    add.add_argument("--issuer", default="")
    add.add_argument("--date", default="")
    add.add_argument("--doc-number", default="")
    add.add_argument("--allow-flat", action="store_true", help="add a file in which no chapters are found")
    add.add_argument("--dry-run", action="store_true", help="show the metadata read from each file; write nothing")
    args = parser.parse_args(argv)

    if args.command == "add":
        return _add(args)
    plans = load_corpus()
    if args.command == "outline":
        if args.json:
            _dump([p.outline() for p in plans])
        else:
            _print_outline(plans)
    elif args.command == "chunks":
        chunks = [c for p in plans for c in p.chunks]
        if args.json:
            _dump([c.to_dict() for c in chunks])
        for c in chunks if not args.json else []:
            print(f"{c.chunk_id}\t{c.kind}\t{c.phase}\t{c.text[:60]}")
    else:
        rows = [i for p in plans for i in p.indicators]
        if args.json:
            _dump([i.to_dict() for i in rows])
        for i in rows if not args.json else []:
            print(f"{i.plan_id}\t{i.period}\t{i.name}\t{i.base}\t{i.target}\t{i.attribute}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
