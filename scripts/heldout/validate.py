#!/usr/bin/env python3
"""Validate labels.json against the plan texts (exact / normalised substring, lengths, grade-2 counts)."""
import json, os, sys, unicodedata
HERE = os.path.dirname(os.path.abspath(__file__))
PLAN_DIR = os.path.join(HERE, "..", "..", "corpus", "plans")
PLANS = ["fujian", "xiamen", "jinjiang", "hainan", "ezhou"]
norm = lambda s: "".join(unicodedata.normalize("NFKC", s or "").split())

lines = {p: open(f"{PLAN_DIR}/{p}.txt", encoding="utf-8").read().split("\n") for p in PLANS}
labels = json.load(open(os.path.join(HERE, "labels.json"), encoding="utf-8"))
qids = [l.split("\t")[0] for l in open(os.path.join(HERE, "queries.tsv"), encoding="utf-8") if l.strip()]
bad = 0
assert set(qids) == set(labels), "queries/labels id mismatch"
for q in qids:
    assert set(labels[q]) == set(PLANS), q
    n2 = n1 = 0
    seen = set()
    for p, items in labels[q].items():
        for it in items:
            ln, g, ev = it["line"], it["grade"], it["evidence"]
            text = lines[p][ln - 1] if 0 < ln <= len(lines[p]) else ""
            raw = ev in text
            nm = norm(ev) in norm(text)
            L = len(norm(ev))
            other = [i + 1 for i, t in enumerate(lines[p]) if norm(ev) in norm(t) and i + 1 != ln]
            msg = []
            if not nm: msg.append("NOT FOUND")
            elif not raw: msg.append("only-normalised")
            if not 12 <= L <= 40: msg.append(f"len={L}")
            if other: msg.append(f"also on lines {other}")
            if (p, norm(ev)) in seen: msg.append("duplicate")
            seen.add((p, norm(ev)))
            if msg:
                print(q, p, ln, g, ev, "->", "; ".join(msg))
                bad += ("NOT FOUND" in msg)
            n2 += g == 2; n1 += g == 1
    print(f"{q}: grade2={n2} grade1={n1}" + ("  <-- fewer than 5 grade-2" if n2 < 5 else ""))
    bad += n2 < 5
sys.exit(1 if bad else 0)
