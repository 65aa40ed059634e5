"""Score the consistency review and the precedents search against an alignment label file.

Usage: python scripts/alignment/score.py [fujian-jinjiang.json ...] [-v]

Labels (format: LABELS.md) name provincial measures by line, the county lines that carry them
(grade 2) or hold a related action (grade 1), and each measure's actions. Figures:

review (one unit per provincial passage the tool gives a verdict on; a passage cut by a page
break holds two labelled lines and takes the higher grade):
  covered_right   share of "covered" verdicts whose measure the county carries (a grade-2 line)
  missing_right   share of "missing" verdicts whose measure the county does not carry (no grade 2)
  carried_found   share of carried measures given "covered" or "partial"
  evidence_right  share of covered / partial verdicts whose evidence passage holds a grade-2 line
  confusion       gold (carried / related only / absent) × verdict
  actions         labelled actions: carried (grade 2) against the tool's carried actions
precedents: every county line labelled grade 2 for a provincial measure is a draft, searched with
  --plan <province>; first / top3 = the provincial measure is the first / within the first three
  (the precedent passage holds the labelled provincial line). Baseline: char-bigram TF-IDF cosine
  (scikit-learn) over the same provincial passages.
"""
from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections import Counter
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

import config  # noqa: E402

VERDICTS = ("covered", "partial", "missing")
GOLD = ("carried", "related", "absent")


def load_labels(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def plan_lines(plan_id: str) -> list[str]:
    """The plan file's lines (label line numbers are 1-based lines of the file as shipped)."""
    return (config.PLANS_DIR / f"{plan_id}.txt").read_text(encoding="utf-8").splitlines()


def _norm(s: str) -> str:
    return "".join(unicodedata.normalize("NFKC", s or "").split())


def _holds(unit: dict, line: int) -> bool:
    return unit["line_start"] <= line <= unit["line_end"]


def gold_class(grades: list[int]) -> str:
    top = max(grades, default=0)
    return GOLD[2 - top] if top else "absent"


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 3) if den else None


def _offset_map(text: str) -> tuple[str, list[int]]:
    """Whitespace-free NFKC text and, per character, its offset in text."""
    out, where = [], []
    for i, ch in enumerate(text):
        for n in unicodedata.normalize("NFKC", ch):
            if not n.isspace():
                out.append(n)
                where.append(i)
    return "".join(out), where


def _locate(text: str, evidence: str, after: str = "") -> tuple[int, int] | None:
    """(start, end) of evidence in text, searching from the first occurrence of `after` (its line)."""
    flat, where = _offset_map(text)
    ev = _norm(evidence)
    base = flat.find(_norm(after)[:12]) if after else 0
    pos = flat.find(ev, max(0, base))
    if pos < 0:
        pos = flat.find(ev)
    if pos < 0 or not ev:
        return None
    return where[pos], where[pos + len(ev) - 1] + 1


def score_review(result, labels: dict) -> dict:
    """Review figures (see module doc) of a Review against labels for the same pair."""
    units = [{"line_start": m["parent_line_start"], "line_end": m["parent_line_end"], "m": m}
             for m in result.measures]
    parent = plan_lines(labels["parent"])
    by_unit: dict[int, list[dict]] = {}
    unplaced = 0
    for lab in labels["measures"]:
        k = next((n for n, u in enumerate(units) if _holds(u, lab["line"])), None)
        if k is None:
            unplaced += 1
            continue
        by_unit.setdefault(k, []).append(lab)
    confusion = Counter()
    evidence_ok = evidence_n = 0
    for k, labs in by_unit.items():
        m = units[k]["m"]
        grade2 = {mt["line"] for lab in labs for mt in lab["matches"] if mt["grade"] == 2}
        gold = gold_class([mt["grade"] for lab in labs for mt in lab["matches"]])
        confusion[(gold, m["status"])] += 1
        if m["status"] != "missing" and gold == "carried":
            evidence_n += 1
            ev = m.get("evidence") or {}
            evidence_ok += any(ev.get("line_start", 0) <= ln <= ev.get("line_end", -1) for ln in grade2)
    actions = Counter()
    action_scores = []
    for k, labs in by_unit.items():
        m = units[k]["m"]
        for lab in labs:
            for a in lab["actions"]:
                span = _locate(m["parent_text"], a["evidence"], parent[lab["line"] - 1])
                ours = [x for x in m["actions"] if span and x["start"] < span[1] and x["end"] > span[0]]
                if not ours:
                    actions["unplaced"] += 1
                    continue
                said = any(x["carried"] for x in ours)
                actions[(a["carried"] == 2, said)] += 1
                action_scores.append((a["carried"], max(x["score"] for x in ours)))
    tp, fp, fn = actions[(True, True)], actions[(False, True)], actions[(True, False)]
    return {
        "units": len(by_unit), "labelled_measures": len(labels["measures"]), "unplaced": unplaced,
        **verdict_figures(confusion),
        "evidence_right": _ratio(evidence_ok, evidence_n),
        "confusion": {g: {v: confusion[(g, v)] for v in VERDICTS} for g in GOLD},
        "actions": {"precision": _ratio(tp, tp + fp), "recall": _ratio(tp, tp + fn),
                    "accuracy": _ratio(tp + actions[(False, False)], tp + fp + fn + actions[(False, False)]),
                    "unplaced": actions["unplaced"]},
        "action_scores": action_scores,
    }


def verdict_figures(confusion: Counter) -> dict:
    """covered right, missing right (with the number of missing verdicts) and carried found from
    counts of (gold class, verdict) pairs."""
    pred = Counter(v for _, v in confusion.elements())
    gold = Counter(g for g, _ in confusion.elements())
    return {"covered_right": _ratio(confusion[("carried", "covered")], pred["covered"]),
            "missing_right": _ratio(sum(confusion[(g, "missing")] for g in GOLD[1:]), pred["missing"]),
            "missing_n": pred["missing"],
            "carried_found": _ratio(gold["carried"] - confusion[("carried", "missing")], gold["carried"])}


def print_confusion(confusion: dict) -> None:
    """The gold × verdict table of a score_review result's "confusion"."""
    print("  " + "gold / verdict".ljust(16) + "".join(f"{v:>9s}" for v in VERDICTS))
    for g in GOLD:
        print(f"  {g:16s}" + "".join(f"{confusion[g][v]:9d}" for v in VERDICTS))


def precedent_drafts(labels: dict) -> list[tuple[str, set[int]]]:
    """(draft text, provincial lines it follows): every county line labelled grade 2."""
    child = plan_lines(labels["child"])
    gold: dict[int, set[int]] = {}
    for lab in labels["measures"]:
        for mt in lab["matches"]:
            if mt["grade"] == 2:
                gold.setdefault(mt["line"], set()).add(lab["line"])
    return [(child[ln - 1].replace("**", "").strip(), lines) for ln, lines in sorted(gold.items())]


def score_ranking(drafts: list[tuple[str, set[int]]], rank) -> dict:
    """first / top3 rates of a ranking function draft → [(line_start, line_end), ...]."""
    first = top3 = 0
    for text, lines in drafts:
        ranked = rank(text)
        hit = [any(a <= ln <= b for ln in lines) for a, b in ranked[:3]]
        first += bool(hit[:1] and hit[0])
        top3 += any(hit)
    n = len(drafts)
    return {"drafts": n, "first": _ratio(first, n), "top3": _ratio(top3, n)}


def precedent_ranker(engine, plan_id: str):
    """Our precedents search restricted to plan_id: the first paragraph's precedents."""
    from search.precedents import find_precedents

    def rank(text: str) -> list[tuple[int, int]]:
        paras = find_precedents(engine, text, top=3, plans=[plan_id])
        return [(p.hit.line_start, p.hit.line_end) for p in paras[0].precedents] if paras else []
    return rank


def tfidf_ranker(engine, plan_id: str):
    """Baseline: char-bigram TF-IDF cosine over the plan's precedent passages."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from search.precedents import PRECEDENT_KINDS
    rows = [r for r in engine.records if r["plan_id"] == plan_id and r["kind"] in PRECEDENT_KINDS
            and r["phase"] == "plan"]
    vec = TfidfVectorizer(analyzer="char", ngram_range=(2, 2), sublinear_tf=True)
    matrix = vec.fit_transform([r["text"] for r in rows])

    def rank(text: str) -> list[tuple[int, int]]:
        sims = (matrix @ vec.transform([text]).T).toarray().ravel()
        return [(rows[i]["line_start"], rows[i]["line_end"]) for i in np.argsort(-sims)[:3]]
    return rank


def evaluate(engine, plans: dict, labels: dict) -> dict:
    """Review and precedents figures for one label file."""
    from search.review import review
    result = review(engine, plans, labels["child"], labels["parent"])
    drafts = precedent_drafts(labels)
    return {"pair": f"{labels['parent']} → {labels['child']}", "review": score_review(result, labels),
            "precedents": score_ranking(drafts, precedent_ranker(engine, labels["parent"])),
            "baseline": score_ranking(drafts, tfidf_ranker(engine, labels["parent"]))}


def _pct(x) -> str:
    return "  –  " if x is None else f"{x:.1%}"


def print_report(rep: dict) -> None:
    r, p, b = rep["review"], rep["precedents"], rep["baseline"]
    print(f"alignment {rep['pair']}: {r['units']} reviewed passages ({r['labelled_measures']} labelled measures"
          f"{', %d not placed' % r['unplaced'] if r['unplaced'] else ''})")
    print(f"  review   covered right {_pct(r['covered_right'])}  missing right {_pct(r['missing_right'])}  "
          f"carried found {_pct(r['carried_found'])}  evidence holds a grade-2 line {_pct(r['evidence_right'])}")
    print_confusion(r["confusion"])
    a = r["actions"]
    print(f"  actions  carried precision {_pct(a['precision'])}  recall {_pct(a['recall'])}  "
          f"accuracy {_pct(a['accuracy'])}")
    print(f"  precedents ({p['drafts']} drafts)  first {_pct(p['first'])}  top3 {_pct(p['top3'])}  | "
          f"char-bigram TF-IDF baseline first {_pct(b['first'])}  top3 {_pct(b['top3'])}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("labels", nargs="*", type=Path, default=[HERE / "fujian-jinjiang.json"])
    args = ap.parse_args(argv)
    from corpus.loader import load_corpus
    from search.engine import SearchEngine
    engine = SearchEngine.load()
    plans = {p.id: p for p in load_corpus()}
    for path in args.labels:
        print_report(evaluate(engine, plans, load_labels(path)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
