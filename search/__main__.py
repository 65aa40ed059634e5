"""CLI: python -m search query "根治欠薪" [--mode hybrid] [--top 10] [--plan ID ...] [--json] [--batch FILE].

Subcommands are registered in COMMANDS so later features (compare, review, ...) plug in beside `query`.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from search.engine import MODES, SearchEngine, SearchResult
from search.query import QueryError


def _add_filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--plan", action="append", dest="plans", metavar="ID", help="restrict to a plan (repeatable)")
    p.add_argument("--level", action="append", help="restrict to an administrative level (repeatable)")
    p.add_argument("--kind", action="append", help="measure / column / indicator / text (repeatable)")
    p.add_argument("--phase", action="append", help="review / plan (repeatable)")


def _print_text(res: SearchResult) -> None:
    print(f"# {res.query}  [{res.mode}]  {len(res.hits)} hits")
    if res.message:
        print(res.message)
    for n, h in enumerate(res.hits, 1):
        where = " > ".join(h.heading_path)
        print(f"{n:2d}. [{h.plan_id}] {where}  (L{h.line_start}-{h.line_end}, {h.kind}, {h.score:.4f})")
        print(f"    {h.text[:160]}")


def cmd_query(args) -> int:
    if args.batch:
        queries = [q for q in Path(args.batch).read_text(encoding="utf-8").splitlines()]
    elif args.query is not None:
        queries = [args.query]
    else:
        raise QueryError("请给出查询或 --batch 文件 (give a query or --batch FILE)")
    engine = SearchEngine.load()
    kwargs = dict(mode=args.mode, top=args.top, plans=args.plans, level=args.level,
                  kind=args.kind, phase=args.phase)
    if args.batch:
        results = []
        for q in queries:
            try:
                results.append(engine.search(q, **kwargs).to_dict())
            except QueryError as exc:  # one bad line does not sink the batch
                results.append({"query": q, "mode": args.mode, "hits": [], "message": str(exc)})
        print(json.dumps(results, ensure_ascii=False, indent=1))
        return 0
    res = engine.search(queries[0], **kwargs)
    if args.json:
        print(json.dumps(res.to_dict(), ensure_ascii=False, indent=1))
    else:
        _print_text(res)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m search", description="Search the 人社 plans.")
    sub = parser.add_subparsers(dest="command", required=True)
    q = sub.add_parser("query", help="search the plans")
    q.add_argument("query", nargs="?", help="the query; \"phrase\" for exact, -word to exclude")
    q.add_argument("--mode", choices=MODES, default="hybrid")
    q.add_argument("--top", type=int, default=10)
    q.add_argument("--json", action="store_true", help="print JSON")
    q.add_argument("--batch", metavar="FILE", help="one query per line; prints a JSON list")
    _add_filters(q)
    q.set_defaults(func=cmd_query)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (QueryError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
