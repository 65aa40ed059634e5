"""Validate an alignment label file (stdlib only).

Usage: python3 validate.py fujian-jinjiang.json [--plans DIR]

Checks that every evidence string is a substring of the line it names (after
NFKC normalisation and removal of all whitespace on both sides), that line
numbers are in range, grades and "carried" values are valid, that action
evidence lies inside the parent line, and that measure-level matches agree
with the actions. Prints counts. Exit status 1 on any error.
"""
import argparse
import json
import sys
import unicodedata
from collections import Counter
from pathlib import Path

DEFAULT_PLANS = Path(__file__).resolve().parents[2] / "corpus" / "plans"
EV_MIN, EV_MAX = 12, 60


def norm(s):
    """NFKC-normalise and drop all whitespace."""
    return "".join(unicodedata.normalize("NFKC", s).split())


def load_lines(plans, name):
    path = plans / f"{name}.txt"
    if not path.is_file():
        sys.exit(f"plan file not found: {path}")
    return path.read_text(encoding="utf-8").splitlines()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pair_file")
    ap.add_argument("--plans", type=Path, default=DEFAULT_PLANS)
    args = ap.parse_args()

    doc = json.loads(Path(args.pair_file).read_text(encoding="utf-8"))
    errors = []

    def err(msg):
        errors.append(msg)

    for key in ("parent", "child", "labeller", "date", "policy", "measures"):
        if key not in doc:
            err(f"missing top-level key {key!r}")
    if errors:
        print("\n".join(errors))
        sys.exit(1)
    parent = load_lines(args.plans, doc["parent"])
    child = load_lines(args.plans, doc["child"])

    def check_ev(lines, lineno, ev, where, length=True):
        if not isinstance(lineno, int) or not 1 <= lineno <= len(lines):
            err(f"{where}: line {lineno!r} out of range 1..{len(lines)}")
            return False
        if not isinstance(ev, str) or not norm(ev):
            err(f"{where}: empty evidence")
            return False
        if norm(ev) not in norm(lines[lineno - 1]):
            err(f"{where}: evidence not in line {lineno}: {ev!r}")
            return False
        if ev not in lines[lineno - 1]:
            err(f"{where}: evidence matches only after normalisation (not exact): {ev!r}")
        if length and not EV_MIN <= len(ev) <= EV_MAX:
            err(f"{where}: evidence length {len(ev)} outside {EV_MIN}-{EV_MAX}: {ev!r}")
        return True

    seen = set()
    measure_carried = Counter()
    action_carried = Counter()
    kinds = Counter()
    n_matches = Counter()
    for i, m in enumerate(doc["measures"]):
        line = m.get("line")
        where = f"measure #{i} (parent line {line})"
        if line in seen:
            err(f"{where}: duplicate parent line")
        seen.add(line)
        if m.get("kind") not in ("measure", "column"):
            err(f"{where}: bad kind {m.get('kind')!r}")
        kinds[m.get("kind")] += 1
        if not isinstance(m.get("heading"), str) or not m["heading"].strip():
            err(f"{where}: missing heading")
        if not check_ev(parent, line, m.get("evidence"), where):
            continue
        grades = {}
        for j, mt in enumerate(m.get("matches", [])):
            w = f"{where} match #{j}"
            if mt.get("grade") not in (1, 2):
                err(f"{w}: bad grade {mt.get('grade')!r}")
            if mt.get("line") in grades:
                err(f"{w}: duplicate child line {mt.get('line')}")
            grades[mt.get("line")] = mt.get("grade")
            check_ev(child, mt.get("line"), mt.get("evidence"), w)
            n_matches[mt.get("grade")] += 1
        actions = m.get("actions")
        if not actions:
            err(f"{where}: no actions")
            actions = []
        best = Counter()
        for j, a in enumerate(actions):
            w = f"{where} action #{j}"
            c = a.get("carried")
            if c not in (0, 1, 2):
                err(f"{w}: bad carried {c!r}")
                continue
            action_carried[c] += 1
            check_ev(parent, line, a.get("evidence"), w, length=False)
            cls = a.get("child_lines", [])
            if (c == 0) != (not cls):
                err(f"{w}: carried={c} but child_lines={cls}")
            for cl in cls:
                if cl not in grades:
                    err(f"{w}: child line {cl} not among the measure's matches")
                else:
                    best[cl] = max(best[cl], c)
        for cl, g in grades.items():
            if cl not in best:
                err(f"{where}: match line {cl} not cited by any action")
            elif best[cl] != g:
                err(f"{where}: match line {cl} grade {g} != best action carried {best[cl]}")
        top = max(grades.values(), default=0)
        measure_carried[top] += 1

    total = len(doc["measures"])
    print(f"pair: {doc['parent']} -> {doc['child']}  labeller: {doc['labeller']}  date: {doc['date']}")
    print(f"measures: {total} (measure {kinds['measure']}, column {kinds['column']})")
    print(f"measures carried: grade 2 = {measure_carried[2]}, only grade 1 = {measure_carried[1]}, "
          f"none = {measure_carried[0]}")
    print(f"match rows: grade 2 = {n_matches[2]}, grade 1 = {n_matches[1]}")
    print(f"actions: {sum(action_carried.values())} (carried 2 = {action_carried[2]}, "
          f"1 = {action_carried[1]}, 0 = {action_carried[0]})")
    if errors:
        print(f"\n{len(errors)} error(s):")
        print("\n".join(errors))
        sys.exit(1)
    print("OK")


if __name__ == "__main__":
    main()
