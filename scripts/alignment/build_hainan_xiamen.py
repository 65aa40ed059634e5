"""Build hainan-xiamen.json from the hand-typed labels below.
Snaps evidence to exact line substrings (NFKC-tolerant), widens short match
evidence with the following text, derives match grades from actions.
No grade or line choice is made automatically."""
import json, sys, unicodedata
from pathlib import Path

PLANS = Path(__file__).resolve().parents[2] / "corpus" / "plans"
P = PLANS.joinpath("hainan.txt").read_text(encoding="utf-8").splitlines()
C = PLANS.joinpath("xiamen.txt").read_text(encoding="utf-8").splitlines()

def nmap(s):
    out, idx = [], []
    for i, ch in enumerate(s):
        for c in unicodedata.normalize("NFKC", ch):
            if not c.isspace():
                out.append(c); idx.append(i)
    return "".join(out), idx

def snap(lines, ln, ev, minlen=0, maxlen=10**9):
    line = lines[ln - 1]
    if ev in line:
        s = line.index(ev); e = s + len(ev)
    else:
        nl, idx = nmap(line); ne, _ = nmap(ev)
        k = nl.find(ne)
        if k < 0:
            sys.exit(f"evidence not found in line {ln}: {ev!r}\n  line: {line[:200]}")
        s = idx[k]; e = idx[k + len(ne) - 1] + 1
    while e - s < minlen and e < len(line):
        e += 1
    text = line[s:e].strip()
    if len(text) > maxlen:
        text = text[:maxlen].rstrip()
    return text

from labels_hainan_xiamen import MEASURES, POLICY

out = []
for m in MEASURES:
    ln = m["line"]
    mev = snap(P, ln, m.get("evidence") or P[ln-1].strip()[:30], 12, 60)
    best, mevs = {}, {}
    acts = []
    for a in m["actions"]:
        aev, carried, cites = a[0], a[1], a[2]
        aev = snap(P, ln, aev)
        cls = []
        for cl, cev in cites:
            cls.append(cl)
            best[cl] = max(best.get(cl, 0), carried)
            if cl not in mevs:
                mevs[cl] = snap(C, cl, cev, 12, 60)
        if (carried == 0) != (not cls):
            sys.exit(f"carried/child_lines mismatch at {ln}: {aev}")
        acts.append({"evidence": aev, "carried": carried, "child_lines": cls})
    matches = [{"line": cl, "grade": best[cl], "evidence": mevs[cl]} for cl in sorted(best)]
    out.append({"line": ln, "kind": m["kind"], "evidence": mev, "heading": m["heading"],
                "matches": matches, "actions": acts})

doc = {"parent": "hainan", "child": "xiamen", "labeller": "alignment-labeller-5",
       "date": "2026-12-02", "policy": POLICY, "measures": out}
(Path(__file__).resolve().parent / "hainan-xiamen.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
print("wrote", len(out), "measures")
