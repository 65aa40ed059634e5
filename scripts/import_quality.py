"""How faithfully `corpus add` reads published plans: the five corpus plans re-published as Word
and PDF (tests/fixtures/published/, made by scripts/make_fixtures.py) are added to a temporary
corpus and compared with the .txt plans.

Usage: python scripts/import_quality.py [--fixtures DIR] [--layouts a4,b5] [--json]

Per format: outline right (chapters and sections identical), 14th-plan indicator rows with name
and target right, labelled passages (../shared/eval/labels.json: the .txt chunk holding each
labelled line) found inside one chunk, chunks holding a page number or the running header,
and the median time to add one plan (parse + write, no index update).
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import config  # noqa: E402
from corpus.adding import add_plan  # noqa: E402
from corpus.loader import load_corpus  # noqa: E402
from corpus.manifest import read_manifest  # noqa: E402

FIXTURES = config.ROOT / "tests" / "fixtures" / "published"
# The shared dev labels live in shared/eval/ beside the repository (or beside a worktree's parent).
LABELS = next((d / "shared" / "eval" / "labels.json" for d in config.ROOT.parents
               if (d / "shared" / "eval" / "labels.json").exists()), None)
PAGE_MARK = re.compile(r"[—–-]\s*\d{1,3}\s*[—–-]|第\s*\d{1,3}\s*页")


def norm(text: str) -> str:
    """Text compared without whitespace, bold markers or width differences."""
    return "".join(unicodedata.normalize("NFKC", text).replace("**", "").split())


def outline(plan) -> list:
    return [(norm(c.title), [norm(s.title) for s in c.sections]) for c in plan.chapters]


def indicator_keys(plan) -> Counter:
    """(name, target) of each 14th-plan indicator row, counted."""
    return Counter((norm(i.name), norm(i.target)) for i in plan.indicators if i.period == "14th")


def labelled_passages(plan, labels: dict) -> list[str]:
    """Texts of the plan's chunks that hold a labelled line (each chunk once)."""
    lines = {lab["line"] for q in labels.values() for lab in q.get(plan.id, [])}
    out = []
    for c in plan.chunks:
        if any(c.line_start <= n <= c.line_end for n in lines):
            out.append(norm(c.text))
    return out


def measure(fmt: str, layouts: list[str], fixtures: Path, reference: dict, labels: dict) -> dict:
    outline_ok = ind_ok = ind_total = kept = passages = dirty = 0
    times = []
    plans_done = 0
    for layout in layouts:
        for pid, ref in reference.items():
            src = fixtures / f"{pid}-{layout}.{fmt}"
            if not src.exists():
                continue
            with tempfile.TemporaryDirectory(prefix="renshe-quality-") as tmp:
                corpus_dir = Path(tmp) / "corpus"
                (corpus_dir / "plans").mkdir(parents=True)
                shutil.copyfile(config.ROOT / "corpus" / "plans.toml", corpus_dir / "plans.toml")
                for p in read_manifest(corpus_dir / "plans.toml"):
                    shutil.copyfile(config.ROOT / "corpus" / "plans" / p.file, corpus_dir / "plans" / p.file)
                t = time.perf_counter()
                add_plan(src, plan_id="imported", title=ref.info.title, level=ref.info.level,
                         parent="", region=ref.info.region, corpus_dir=corpus_dir)
                times.append(time.perf_counter() - t)
                got = {p.id: p for p in load_corpus(corpus_dir)}["imported"]
            plans_done += 1
            outline_ok += outline(got) == outline(ref)
            want = indicator_keys(ref)
            ind_total += sum(want.values())
            ind_ok += sum((want & indicator_keys(got)).values())
            texts = [norm(c.text) for c in got.chunks]
            for passage in labelled_passages(ref, labels):
                passages += 1
                kept += any(passage in t for t in texts)
            title = norm(ref.info.title)
            # the title glued to a passage (a running header, or a title page read as prose)
            ref_title = sum(title in t and t != title for t in map(norm, (c.text for c in ref.chunks)))
            got_title = sum(title in t and t != title for t in texts)
            dirty += sum(bool(PAGE_MARK.search(c.text)) for c in got.chunks) + max(0, got_title - ref_title)
    return {"format": fmt, "plans": plans_done, "outline_right": outline_ok,
            "indicator_rows": ind_ok, "indicator_total": ind_total,
            "passages_whole_pct": round(100 * kept / passages, 1) if passages else None,
            "chunks_with_page_marks": dirty,
            "add_median_s": round(statistics.median(times), 2) if times else None}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fixtures", type=Path, default=FIXTURES)
    ap.add_argument("--layouts", default="a4,b5")
    ap.add_argument("--labels", type=Path, default=LABELS)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    reference = {p.id: p for p in load_corpus(config.ROOT / "corpus")}
    labels = json.loads(args.labels.read_text(encoding="utf-8")) if args.labels else {}
    rows = [measure(fmt, args.layouts.split(","), args.fixtures, reference, labels)
            for fmt in ("docx", "pdf")]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    print(f"layouts: {args.layouts}")
    print("| | outline right | 14th-plan indicator rows | labelled passages kept whole "
          "| chunks with page numbers / running header | add one plan (median) |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| .{r['format']} | {r['outline_right']} of {r['plans']} | {r['indicator_rows']} of "
              f"{r['indicator_total']} | {r['passages_whole_pct']} % | {r['chunks_with_page_marks']} "
              f"| {r['add_median_s']} s |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
