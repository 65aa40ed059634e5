"""Run labelled query sets in every search mode and score them with the eval set's score.py.

Usage: python scripts/eval.py [--eval-dir DIR] [--tune DIR] [--heldout DIR] [--fresh DIR] [--top 20]
                              [--runs-out DIR] [-v]
Prints, per mode, nDCG@10 / recall2@20 overall and for the official (ids 01–29) and
paraphrase (ids 31+) subsets: first for the shared dev set (--eval-dir, which also holds
score.py), then for the colloquial tuning set in scripts/tune/ (tuned on, like the dev set), for
the held-out set in scripts/heldout/ (themes the dev set does not have, labelled independently of
the engine), for the fresh colloquial set in scripts/fresh/ (all-colloquial sets print overall
figures only), then the consistency review and precedents against the labelled plan pairs of
scripts/alignment/ (see its score.py) and the review against those city plans with half their
chapters cut (scripts/alignment/ablation.py). Tuning never looks at the held-out or fresh per-query figures.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import config  # noqa: E402
from search.engine import MODES, SearchEngine  # noqa: E402

# Ids 01–29 use the plans' official terms, 31 and up are colloquial paraphrases (q01, h31, ...).
SUBSETS = {"official": lambda q: int(q[1:]) < 30, "paraphrase": lambda q: int(q[1:]) > 30}


def load_scorer(eval_dir: Path):
    """The eval set's score.py as a module."""
    spec = importlib.util.spec_from_file_location("score", eval_dir / "score.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def read_queries(path: Path) -> list[tuple[str, str]]:
    """(qid, query) pairs from queries.tsv."""
    rows = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(r[0], r[1]) for r in rows]


def evaluate(engine: SearchEngine, eval_dir: Path, top: int = 20, runs_out: Path | None = None,
             scorer_dir: Path | None = None) -> dict:
    """Scores per mode of the query set in eval_dir (scored by scorer_dir's score.py, default
    eval_dir's): overall plus the official / paraphrase split, and per-query figures."""
    scorer = load_scorer(scorer_dir or eval_dir)
    labels = json.loads((eval_dir / "labels.json").read_text(encoding="utf-8"))
    queries = read_queries(eval_dir / "queries.tsv")
    report = {}
    for mode in MODES:
        runs = {qid: [{"plan_id": h.plan_id, "text": h.text}
                      for h in engine.search(q, mode=mode, top=top).hits] for qid, q in queries}
        if runs_out:
            runs_out.mkdir(parents=True, exist_ok=True)
            (runs_out / f"runs-{mode}.json").write_text(json.dumps(runs, ensure_ascii=False), encoding="utf-8")
        res = scorer.score_runs(labels, runs)
        entry = {"ndcg@10": res["ndcg@10"], "recall2@20": res["recall2@20"]}
        for name, pick in SUBSETS.items():
            sub = {q: v for q, v in labels.items() if pick(q)}
            s = scorer.score_runs(sub, runs)
            entry[name] = {"ndcg@10": s["ndcg@10"], "recall2@20": s["recall2@20"]}
        entry["per_query"] = {q: round(v["ndcg"], 3) for q, v in res["per_query"].items() if v["ndcg"] is not None}
        report[mode] = entry
    return report


def evaluate_compare(engine: SearchEngine, eval_dir: Path, scorer_dir: Path | None = None) -> dict:
    """score.py --compare figures of the side-by-side view over a set's queries."""
    from search.compare import Comparer
    comparer = Comparer(engine)
    labels = json.loads((eval_dir / "labels.json").read_text(encoding="utf-8"))
    cmp = {qid: comparer.compare(q).to_dict() for qid, q in read_queries(eval_dir / "queries.tsv")}
    return load_scorer(scorer_dir or eval_dir).score_compare(labels, cmp)


def print_compare(c: dict) -> None:
    print(f"compare   top1_hit_rate {c['top1_hit_rate']:.3f}  false_gap_rate {c['false_gap_rate']:.3f}  "
          f"gap_detection_rate {c['gap_detection_rate']:.3f}  ({c['cells_with_relevant']} cells with a "
          f"relevant passage, {c['empty_cells']} empty)")


def print_report(report: dict, per_query: bool, split: bool = True) -> None:
    for mode, r in report.items():
        line = f"{mode:9s} nDCG@10 {r['ndcg@10']:.3f}  recall2@20 {r['recall2@20']:.3f}"
        if split:
            line += (f"  | official {r['official']['ndcg@10']:.3f}/{r['official']['recall2@20']:.3f}  "
                     f"paraphrase {r['paraphrase']['ndcg@10']:.3f}/{r['paraphrase']['recall2@20']:.3f}")
        print(line)
        if per_query:
            print("   ", " ".join(f"{q}:{v}" for q, v in r["per_query"].items()))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--eval-dir", type=Path, default=config.EVAL_DIR)
    ap.add_argument("--tune", type=Path, default=ROOT / "scripts" / "tune")
    ap.add_argument("--heldout", type=Path, default=ROOT / "scripts" / "heldout")
    ap.add_argument("--fresh", type=Path, default=ROOT / "scripts" / "fresh")
    ap.add_argument("--sets", default="dev,tune,heldout,fresh,alignment", help="comma-separated sets to score")
    ap.add_argument("--top", type=int, default=20)
    ap.add_argument("--runs-out", type=Path, help="also write runs-<mode>.json here")
    ap.add_argument("-v", action="store_true", help="show per-query nDCG@10")
    args = ap.parse_args(argv)
    engine = SearchEngine.load()
    sets = args.sets.split(",")
    if "dev" in sets:
        print(f"dev set ({args.eval_dir})")
        print_report(evaluate(engine, args.eval_dir, args.top, args.runs_out), args.v)
        print_compare(evaluate_compare(engine, args.eval_dir))
    for name, folder, split in (("tune", args.tune, False), ("heldout", args.heldout, True),
                                ("fresh", args.fresh, False)):
        if name in sets and (folder / "labels.json").exists():
            print(f"{name} set ({folder})" + ("" if split else ", all colloquial"))
            print_report(evaluate(engine, folder, args.top, scorer_dir=args.eval_dir), args.v, split)
            print_compare(evaluate_compare(engine, folder, scorer_dir=args.eval_dir))
    if "alignment" in sets:
        evaluate_alignment(engine)
    return 0


def evaluate_alignment(engine: SearchEngine) -> None:
    """Review verdicts and precedents against every labelled plan pair in scripts/alignment/, then the
    review against the city plans with half their chapters cut (calibration pairs: ablation.CALIBRATION_PAIRS;
    the others are held out)."""
    sys.path.insert(0, str(ROOT / "scripts" / "alignment"))
    import score as alignment
    from corpus.loader import load_corpus
    plans = {p.id: p for p in load_corpus()}
    for path in sorted((ROOT / "scripts" / "alignment").glob("*-*.json")):
        alignment.print_report(alignment.evaluate(engine, plans, alignment.load_labels(path)))
    import ablation
    ablation.main([])


if __name__ == "__main__":
    sys.exit(main())
