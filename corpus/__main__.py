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


def _add(args) -> int:
    from corpus.adding import PlanImportError, add_plan
    try:
        info, warnings = add_plan(Path(args.file), plan_id=args.id, title=args.title, level=args.level,
                                  parent=args.parent or "", region=args.region or "",
                                  corpus_dir=config.CORPUS_DIR)
    except PlanImportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)
    print(f"added plan {info.id}: {info.title} → {config.PLANS_DIR / info.file}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m corpus", description="Inspect and extend the plan corpus.")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_ in (("outline", "chapters and sections of every plan"),
                        ("chunks", "all task-level chunks"),
                        ("indicators", "all indicator-table rows")):
        p = sub.add_parser(name, help=help_)
        p.add_argument("--json", action="store_true", help="print JSON")
    add = sub.add_parser("add", help="add a plan (.txt, .docx or .pdf) to the corpus")
    add.add_argument("file")
    add.add_argument("--id", required=True)
    add.add_argument("--title", required=True)
    add.add_argument("--level", required=True, choices=config.LEVELS)
    add.add_argument("--parent", default="")
    add.add_argument("--region", default="")
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
