"""Build /work/labels/hainan-jinjiang.json from labels_hainan_jinjiang.py.

Snaps every typed evidence string to the exact text of its line (exact match
first, then NFKC/whitespace-insensitive match mapped back to the original
characters), widens child-match evidence shorter than 12 characters with the
following (or, at line end, preceding) text, trims evidence longer than 60,
and derives each match grade from the actions. No grade or line is chosen here.
"""
import json, sys, unicodedata
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from labels_hainan_jinjiang import L

PLANS = Path(__file__).resolve().parents[2] / "corpus" / "plans"
P = (PLANS / "hainan.txt").read_text(encoding="utf-8").splitlines()
C = (PLANS / "jinjiang.txt").read_text(encoding="utf-8").splitlines()

def norm(s):
    return "".join(unicodedata.normalize("NFKC", s).split())

def snap(line, ev, where):
    """Return (start, end) of ev in line, exact or after normalisation."""
    p = line.find(ev)
    if p >= 0:
        return p, p + len(ev)
    chars, idx = [], []
    for i, ch in enumerate(line):
        for c in norm(ch):
            chars.append(c); idx.append(i)
    s = "".join(chars); t = norm(ev)
    q = s.find(t)
    if q < 0:
        sys.exit(f"{where}: evidence not found: {ev!r}\n  line: {line[:200]}")
    return idx[q], idx[q + len(t) - 1] + 1

def fit(line, a, b, lo=12, hi=60):
    if b - a > hi:
        b = a + hi
    while len(line[a:b].strip()) < lo or b - a < lo:
        if b < len(line):
            b += 1
        elif a > 0:
            a -= 1
        else:
            break
    s = line[a:b]
    # strip whitespace at the ends, keep within bounds
    s2 = s.strip()
    if len(s2) < lo:
        sys.exit(f"cannot widen evidence to {lo}: {s!r}")
    return s2

out = []
errors = 0
for m in L:
    pl = P[m["line"] - 1]
    where = f"parent {m['line']}"
    a, b = snap(pl, m["ev"], where)
    mev = fit(pl, a, b)
    acts, best = [], {}
    for ev, c, cls in m["actions"]:
        a, b = snap(pl, ev, where + " action")
        aev = pl[a:b]
        acts.append({"evidence": aev, "carried": c, "child_lines": list(cls)})
        for cl in cls:
            best[cl] = max(best.get(cl, 0), c)
    cited = set(best)
    typed = set(m["cev"])
    if cited != typed:
        print(f"{where}: cited {sorted(cited)} vs typed evidence {sorted(typed)}"); errors += 1
    matches = []
    for cl in sorted(best, key=lambda x: (m["cev"] and list(m["cev"]).index(x) if x in m["cev"] else 999)):
        ev = m["cev"].get(cl)
        if ev is None:
            continue
        a, b = snap(C[cl - 1], ev, f"{where} child {cl}")
        matches.append({"line": cl, "grade": best[cl], "evidence": fit(C[cl - 1], a, b)})
    out.append({"line": m["line"], "kind": m["kind"], "evidence": mev, "heading": m["heading"],
                "matches": matches, "actions": acts})
if errors:
    sys.exit(f"{errors} error(s)")

cands = [m["line"] for m in L]
POLICY = (
 "Labeller alignment-labeller-7 read only the two plan texts (hainan.txt, jinjiang.txt), LABELS.md, validate.py and "
 "the fujian-jinjiang.json format example; the tool's code and output were not opened or run. "
 "PARENT plan part: 二、重点工作任务 (lines 266-518) and 三、保障措施 (lines 520-540; included because it holds concrete "
 "actions such as 普法规划, 法治建设实施方案, 任务分解方案, 中期评估). Left out: 一、发展基础、指导思想和主要目标 (lines 1-264, incl. the "
 "专栏1/专栏2 indicator tables). Measures are every action-bearing paragraph line under a 章/节 heading, including the lead "
 "paragraph of 二、, of each （一）-（六） section and of 三、, and every 专栏 item description line (kind 'column'; the item "
 "title line is the heading; 专栏5 and 专栏8 have no item title, the 专栏 title is the last heading part). "
 "ALL candidate lines, in document order, were labelled (no sampling): " + ", ".join(map(str, cands)) + f" ({len(cands)} lines). "
 "Each measure was split into its actions (clauses/sentences as read). carried 2 = a jinjiang line states the same concrete "
 "action (possibly localised, reworded, shortened or more specific, incl. executing higher-level standards); 1 = only a "
 "related but different action on the same subject, or a passing mention; 0 = absent. Generic shared wording was not enough "
 "for 2. Hainan-specific programmes (自贸港 regulations, 环岛创业带, 海口/三亚 parks, 技师学院 names, 儋州月嫂, 12333, 目录清单) "
 "were graded 1 at most when jinjiang only has its own related measure, 0 when nothing related exists. Key terms were grepped "
 "over all of jinjiang (e.g. 家政, 劳务品牌, 竞赛/大赛, 延迟退休, 年金, 第三支柱, 工伤康复, 12333, 电子劳动合同, 去行政化, 获得者, 普法, 廉政, 新媒体) "
 "to confirm absences and find moved passages. Jinjiang's review of 十三五 (lines 80-129) is never cited; its goals (173-189) and "
 "indicator table (191-219) are cited only for the same commitment (localised training, certificate and 社保卡 targets). "
 "Match grade = highest carried of the actions citing that line. Evidence was snapped to the exact line text by "
 "build_hainan_jinjiang.py (labels typed in labels_hainan_jinjiang.py). All measures completed; nothing left unlabelled for time."
)
doc = {"parent": "hainan", "child": "jinjiang", "labeller": "alignment-labeller-7", "date": "2026-12-02",
       "policy": POLICY, "measures": out}
(Path(__file__).resolve().parent / "hainan-jinjiang.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
print(len(out), "measures written")
