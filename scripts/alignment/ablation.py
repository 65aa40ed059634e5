""""Missing" verdicts measured where the answer is known: the review against city plans with half
their chapters taken out.

The labelled pairs have few provincial measures a city leaves out (1–4 per pair), too few to say
how often a "missing" verdict is right. Here every labelled city plan is cut twice: its chapters
holding measures are taken alternately into two folds, and each fold's lines are blanked (line
numbers stay, so the labels still point at the same lines). A provincial measure whose labelled
city lines all fall in the blanked chapters is absent from that cut plan; one with lines left
keeps the grade of those lines. Every cut plan is indexed beside the five plans (a temporary
corpus and index; vectors come from the embedding cache) and reviewed against each parent it
has labels for; the figures are those of score.py, summed over the two folds.

Usage: python scripts/alignment/ablation.py [labels.json ...]   (default: every pair in this folder)
"""
from __future__ import annotations

import argparse
import contextlib
import copy
import shutil
import sys
import tempfile
from collections import Counter
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))
sys.path.insert(0, str(HERE))

import config  # noqa: E402
import score  # noqa: E402
from corpus.manifest import read_manifest, write_manifest  # noqa: E402
from corpus.model import Plan  # noqa: E402

FOLDS = 2
CALIBRATION_PAIRS = ("fujian-jinjiang.json", "fujian-ezhou.json")   # calibrate.py's; the others are held out


def chapter_spans(plan: Plan, n_lines: int) -> list[tuple[int, int]]:
    """(first, last) line of every chapter that holds measures or 专栏 items of the plan period."""
    starts = [c.line for c in plan.chapters] + [n_lines + 1]
    spans = [(a, b - 1) for a, b in zip(starts, starts[1:])]
    return [(a, b) for a, b in spans
            if any(a <= ch.line_start <= b and ch.kind in ("measure", "column") and ch.phase == "plan"
                   for ch in plan.chunks)]


def cut(lines: list[str], spans: list[tuple[int, int]]) -> tuple[str, set[int]]:
    """The plan text with the spans' lines blanked, and the blanked line numbers."""
    gone = {n for a, b in spans for n in range(a, b + 1)}
    return "\n".join("" if n in gone else s for n, s in enumerate(lines, 1)) + "\n", gone


def cut_labels(labels: dict, child: str, gone: set[int]) -> dict:
    """The labels of a pair for the cut plan: matches and carried actions on blanked lines dropped."""
    out = copy.deepcopy(labels)
    out["child"] = child
    for m in out["measures"]:
        m["matches"] = [mt for mt in m["matches"] if mt["line"] not in gone]
        for a in m["actions"]:
            a["child_lines"] = [n for n in a.get("child_lines", []) if n not in gone]
            if not a["child_lines"]:
                a["carried"] = 0
    return out


@contextlib.contextmanager
def cut_corpus(pairs: list[dict]):
    """A temporary corpus and index of the five plans plus every labelled city plan cut in FOLDS
    ways; yields (engine, plans by id, per pair the labels of its cut plans). Removed afterwards."""
    from corpus.loader import load_corpus
    from search.engine import SearchEngine
    plans = {p.id: p for p in load_corpus()}
    infos = read_manifest(config.MANIFEST_PATH)
    work = Path(tempfile.mkdtemp(prefix="ablation-"))
    try:
        corpus = work / "corpus"
        shutil.copytree(config.PLANS_DIR, corpus / "plans")
        cuts: dict[str, set[int]] = {}
        for child in sorted({p["child"] for p in pairs}):
            lines = score.plan_lines(child)
            spans = chapter_spans(plans[child], len(lines))
            info = next(i for i in infos if i.id == child)
            for fold in range(FOLDS):
                cid = f"{child}-cut{fold + 1}"
                text, cuts[cid] = cut(lines, spans[fold::FOLDS])
                (corpus / "plans" / f"{cid}.txt").write_text(text, encoding="utf-8")
                infos.append(replace(info, id=cid, title=f"{info.title}（删去部分章节）", file=f"{cid}.txt"))
        write_manifest(corpus / "plans.toml", infos)
        engine = SearchEngine.load(work / "index", corpus_dir=corpus, log=lambda m: None)
        cut_labels_of = [[cut_labels(lab, cid, cuts[cid]) for cid in (f"{lab['child']}-cut{f + 1}" for f in range(FOLDS))]
                         for lab in pairs]
        yield engine, {p.id: p for p in load_corpus(corpus)}, cut_labels_of
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("labels", nargs="*", type=Path, default=sorted(HERE.glob("*-*.json")))
    args = ap.parse_args(argv)
    pairs = [score.load_labels(p) for p in args.labels]
    held_out = [p.name not in CALIBRATION_PAIRS for p in args.labels]
    from search.review import review
    totals = {True: Counter(), False: Counter()}
    with cut_corpus(pairs) as (engine, plans, cut_sets):
        for labels, cuts, held in zip(pairs, cut_sets, held_out):
            conf = Counter()
            for lab in cuts:
                r = score.score_review(review(engine, plans, lab["child"], lab["parent"]), lab)
                conf.update({(g, v): n for g, row in r["confusion"].items() for v, n in row.items()})
            totals[held].update(conf)
            print_figures(f"{labels['parent']} → {labels['child']}, chapters cut", conf)
    for held, name in ((False, "calibration pairs"), (True, "held-out pairs")):
        if totals[held]:
            print_figures(f"{name}, chapters cut, summed", totals[held])
    return 0


def print_figures(name: str, conf: Counter) -> None:
    """score.py's verdict figures and confusion table from summed (gold class, verdict) counts."""
    f = score.verdict_figures(conf)
    print(f"ablation {name}: {sum(conf.values())} reviewed passages")
    print(f"  review   covered right {score._pct(f['covered_right'])}  missing right {score._pct(f['missing_right'])} "
          f"(n={f['missing_n']})  carried found {score._pct(f['carried_found'])}")
    score.print_confusion({g: {v: conf[(g, v)] for v in score.VERDICTS} for g in score.GOLD})


if __name__ == "__main__":
    sys.exit(main())
