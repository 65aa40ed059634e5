"""Build /work/labels/hainan-ezhou.json from the hand-typed table in labels_hainan_ezhou.py.

Only mechanical steps: snap typed evidence to the exact substring of its line (after NFKC
normalisation), widen short match/measure evidence to 12 chars, derive match grades from the
actions, and attach headings read from the parent file's heading lines. No grade or line
choice is made here.
"""
import json
import re
import sys
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from labels_hainan_ezhou import M  # noqa: E402

PLANS = Path(__file__).resolve().parents[2] / "corpus" / "plans"
PARENT = (PLANS / "hainan.txt").read_text(encoding="utf-8").splitlines()
CHILD = (PLANS / "ezhou.txt").read_text(encoding="utf-8").splitlines()

problems = []


def nmap(s):
    """NFKC-normalised, whitespace-free string plus index map back into s."""
    out, idx = [], []
    for i, ch in enumerate(s):
        for c in unicodedata.normalize("NFKC", ch):
            if c.isspace():
                continue
            out.append(c)
            idx.append(i)
    return "".join(out), idx


def snap(lines, lineno, ev, where, minlen=None, maxlen=None):
    line = lines[lineno - 1]
    if ev in line:
        start, end = line.index(ev), line.index(ev) + len(ev)
    else:
        nl, idx = nmap(line)
        ne, _ = nmap(ev)
        k = nl.find(ne)
        if k < 0 or not ne:
            problems.append(f"{where}: evidence not found in line {lineno}: {ev!r}")
            return ev
        start, end = idx[k], idx[k + len(ne) - 1] + 1
    if minlen:
        while end - start < minlen and end < len(line):
            end += 1
        while end - start < minlen and start > 0:
            start -= 1
    out = line[start:end].strip()
    if maxlen and len(out) > maxlen:
        problems.append(f"{where}: evidence too long ({len(out)}): {out!r}")
    return out


# ---- headings from the parent file ----
COLUMNS = [(288, 312), (318, 335), (345, 348), (399, 410), (430, 438), (448, 451),
           (465, 474), (487, 503), (507, 510)]


def in_column(n):
    for a, b in COLUMNS:
        if a <= n <= b:
            return a
    return None


def heading_for(n):
    part = chap = sec = item = None
    col = in_column(n)
    for i in range(1, n):
        t = PARENT[i - 1].strip()
        if not t:
            continue
        if re.match(r"^[二三]、", t):
            part, chap, sec = t, None, None
        elif re.match(r"^（[一二三四五六]）", t):
            chap, sec = t, None
        elif re.match(r"^\d+\.", t) and len(t) < 30:
            if in_column(i) is None:
                sec = t
            elif col is not None and in_column(i) == col:
                item = t
    if col is not None:
        ctitle = PARENT[col - 1].strip()
        parts = [chap or part, ctitle] + ([item] if item else [])
        return "column", " > ".join(parts)
    parts = [x for x in (part, chap, sec) if x]
    return "measure", " > ".join(parts)


measures = []
for line, mev, actions in M:
    where = f"parent {line}"
    kind, heading = heading_for(line)
    m_ev = snap(PARENT, line, mev, where, 12, 60)
    cev, best, acts = {}, {}, []
    for j, (aev, carried, cites) in enumerate(actions):
        a_ev = snap(PARENT, line, aev, f"{where} action {j}")
        cls = []
        for cl, ce in cites:
            if cl not in cev:
                if not ce:
                    problems.append(f"{where} action {j}: child {cl} cited without evidence")
                    continue
                cev[cl] = snap(CHILD, cl, ce, f"{where} child {cl}", 12, 60)
            if cl not in cls:
                cls.append(cl)
            best[cl] = max(best.get(cl, 0), carried)
        if (carried == 0) != (not cls):
            problems.append(f"{where} action {j}: carried {carried} with lines {cls}")
        acts.append({"evidence": a_ev, "carried": carried, "child_lines": cls})
    matches = [{"line": cl, "grade": best[cl], "evidence": cev[cl]}
               for cl in sorted(cev) if best.get(cl, 0) > 0]
    measures.append({"line": line, "kind": kind, "evidence": m_ev, "heading": heading,
                     "matches": matches, "actions": acts})

lines_all = [x[0] for x in M]
POLICY = open(Path(__file__).parent / "policy_hainan_ezhou.txt", encoding="utf-8").read().strip()
POLICY = POLICY.replace("{CANDIDATES}", ", ".join(map(str, lines_all)))
doc = {"parent": "hainan", "child": "ezhou", "labeller": "alignment-labeller-6",
       "date": "2026-12-02", "policy": POLICY, "measures": measures}
if problems:
    print("\n".join(problems))
    sys.exit(1)
(Path(__file__).resolve().parent / "hainan-ezhou.json").write_text(
    json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
print(f"wrote {len(measures)} measures")
