"""CLI: python -m search {query,compare,precedents,review,indicators,reuse} … [--json].

  query "根治欠薪" [--mode hybrid] [--top 10] [--plan ID ...] [--batch FILE]
  compare "根治欠薪" [--batch FILE] [--export out.xlsx]
  precedents --text "…" | --file F [--plan ID ...]   (a draft of any length: results per paragraph)
  review --plan xiamen [--against fujian] [--export out.docx]
  indicators [--export out.xlsx]
  reuse --plan xiamen --against fujian
  concepts                     (per concept group: passages of each plan it reaches)
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from search.compare import Comparer
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


def _plans_by_id() -> dict:
    from corpus.loader import load_corpus
    return {p.id: p for p in load_corpus()}


def _read_lines(path: str) -> list[str]:
    return [line.strip() for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def _write_export(out: str, title: str, sections: list[tuple[str, list[dict], list[tuple[str, str]]]]) -> None:
    """Write (sheet title, rows, columns) sections to .xlsx, or to .docx for any other suffix."""
    from search.export.writers import to_docx, to_xlsx
    from search.export.rows import relabel
    labelled = [(name, relabel(rows, cols)) for name, rows, cols in sections]
    data = to_xlsx(dict(labelled)) if out.endswith(".xlsx") else to_docx(title, labelled)
    Path(out).write_bytes(data)
    print(f"exported to {out}", file=sys.stderr)


def cmd_compare(args) -> int:
    engine = SearchEngine.load()
    comparer = Comparer(engine)
    scope = None
    if args.scope:
        known = [p["plan_id"] for p in comparer.plans]
        bad = [pid for pid in args.scope if pid not in known]
        if bad:
            raise QueryError(f"未知规划 {', '.join(bad)}（可选：{', '.join(known)}）(unknown plan id)")
        scope = comparer.family(args.scope)
    themes = _read_lines(args.batch) if args.batch else [args.theme or ""]
    comparisons, results = [], []
    for theme in themes:
        try:
            comparisons.append(comparer.compare(theme, top=args.top, plans=scope))
            results.append(comparisons[-1].to_dict())
        except QueryError as exc:
            if not args.batch:
                raise
            results.append({"query": theme, "plans": [], "message": str(exc)})
    if args.export:
        from search.export.rows import COMPARE_COLUMNS, comparison_rows
        names = {p["plan_id"]: p["plan_title"] for p in comparer.plans}
        _write_export(args.export, f"对照：{'、'.join(themes)}",
                      [(c.query, comparison_rows(c, names), COMPARE_COLUMNS) for c in comparisons])
    if args.json or args.batch:
        print(json.dumps(results if args.batch else results[0], ensure_ascii=False, indent=1))
    else:
        for col in results[0]["plans"]:
            top = col["hits"][0]["text"][:80] if col["hits"] else ""
            print(f"{col['plan_id']:10s} {col['status_label']:6s} {top}")
    return 0


def cmd_precedents(args) -> int:
    from search.precedents import find_precedents
    draft = Path(args.file).read_text(encoding="utf-8") if args.file else args.text
    engine = SearchEngine.load()
    paragraphs = find_precedents(engine, draft, top=args.top, plans=args.plans)
    if args.json:
        print(json.dumps({"draft": draft, "paragraphs": [p.to_dict() for p in paragraphs]},
                         ensure_ascii=False, indent=1))
        return 0
    for k, para in enumerate(paragraphs, 1):
        print(f"# paragraph {k}: {para.text[:60]}")
        for pid, group in para.groups():
            for p in group:
                h = p.hit
                print(f"  [{pid}] {' > '.join(h.heading_path)} (L{h.line_start}-{h.line_end}) score {p.score:.3f} "
                      f"covers {len(p.covers)}/{len(para.clauses)} clauses, adds {len(p.adds)}")
                print(f"    {h.text[:160]}")
    return 0


def cmd_review(args) -> int:
    from search.review import review
    engine = SearchEngine.load()
    result = review(engine, _plans_by_id(), args.plan, args.against)
    if args.export:
        from search.export.rows import review_sections
        _write_export(args.export, f"{result.plan} 对照 {result.against} 审查", review_sections(result))
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
    else:
        print(f"{result.plan} against {result.against}: {result.summary()}")
        for m in result.measures:
            ev = m["evidence"]
            where = f"{ev['plan_id']} L{ev['line_start']}-{ev['line_end']}" if ev else "—"
            print(f"  {m['status']:8s} {m['score']:.0%}  L{m['parent_line_start']} {m['parent_text'][:40]}  → {where}")
        for row in result.indicators:
            print(f"  {row['parent_name']} {row['parent_target']} | {row['child_name'] or '—'} "
                  f"{row['child_target'] or ''} → {row['verdict']}")
    return 0


def cmd_indicators(args) -> int:
    from search.indicator_groups import group_indicators
    plans = list(_plans_by_id().values())
    groups = group_indicators(plans, period=args.period)
    if args.export:
        from search.export.rows import INDICATOR_COLUMNS, indicator_rows
        _write_export(args.export, "“十四五”指标对照", [("指标", indicator_rows(groups, plans), INDICATOR_COLUMNS)])
    if args.json:
        print(json.dumps([g.to_dict() for g in groups], ensure_ascii=False, indent=1))
    else:
        for g in groups:
            cells = "; ".join(f"{pid} {i.target}{i.unit}" for pid, inds in g.by_plan.items() for i in inds)
            print(f"{g.key}: {cells}")
    return 0


def cmd_reuse(args) -> int:
    from search.reuse import find_reuse
    plans = _plans_by_id()
    for pid in (args.plan, args.against):
        if pid not in plans:
            raise QueryError(f"未知规划 {pid!r}（可选：{', '.join(plans)}）(unknown plan id)")
    pairs = find_reuse(plans[args.plan], plans[args.against], min_share=args.min_share, top=args.top)
    if args.json:
        print(json.dumps({"plan": args.plan, "against": args.against, "pairs": pairs}, ensure_ascii=False, indent=1))
    else:
        for p in pairs:
            print(f"{p['share']:.0%}  {args.plan} L{p['a']['line_start']} ↔ {args.against} L{p['b']['line_start']}: "
                  f"{p['a']['text'][:60]}")
    return 0


def cmd_concepts(args) -> int:
    from search.thesaurus import concept_reach, load_concepts
    engine = SearchEngine.load()
    pids = [r["plan_id"] for r in engine.records]
    rows = [concept_reach(c, engine.match_text, pids) for c in load_concepts()]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    print("field\tconcept\t" + "\t".join(engine.plan_ids) + "\twords no passage holds")
    for r in rows:
        flag = "  <- reaches no passage" if not any(r["passages"].values()) else ""
        print(f"{r['field']}\t{r['concept']}\t" + "\t".join(str(n) for n in r["passages"].values())
              + f"\t{' '.join(r['unused_words'])}{flag}")
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

    c = sub.add_parser("compare", help="side by side: the best measures of every plan on a theme")
    c.add_argument("theme", nargs="?")
    c.add_argument("--top", type=int, default=3)
    c.add_argument("--json", action="store_true")
    c.add_argument("--batch", metavar="FILE", help="one theme per line; prints a JSON list")
    c.add_argument("--export", metavar="FILE.xlsx|FILE.docx")
    c.add_argument("--scope", nargs="+", metavar="PLAN",
                   help="compare these plans and the plans below them (e.g. a province with its cities and counties)")
    c.set_defaults(func=cmd_compare)

    p = sub.add_parser("precedents", help="passages similar to a draft paragraph")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--text")
    src.add_argument("--file")
    p.add_argument("--plan", action="append", dest="plans", metavar="ID")
    p.add_argument("--top", type=int, default=10)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_precedents)

    r = sub.add_parser("review", help="consistency review of a city plan against its provincial plan")
    r.add_argument("--plan", required=True)
    r.add_argument("--against")
    r.add_argument("--json", action="store_true")
    r.add_argument("--export", metavar="FILE.xlsx|FILE.docx")
    r.set_defaults(func=cmd_review)

    i = sub.add_parser("indicators", help="十四五 indicators of all plans grouped by what they measure")
    i.add_argument("--period", choices=("14th", "13th"), default="14th")
    i.add_argument("--json", action="store_true")
    i.add_argument("--export", metavar="FILE.xlsx|FILE.docx")
    i.set_defaults(func=cmd_indicators)

    u = sub.add_parser("reuse", help="passages of one plan that reproduce another's wording")
    u.add_argument("--plan", required=True)
    u.add_argument("--against", required=True)
    u.add_argument("--min-share", type=float, default=0.1)
    u.add_argument("--top", type=int, default=50)
    u.add_argument("--json", action="store_true")
    u.set_defaults(func=cmd_reuse)

    k = sub.add_parser("concepts", help="the concept vocabulary: passages of each plan every group reaches")
    k.add_argument("--json", action="store_true")
    k.set_defaults(func=cmd_concepts)
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
