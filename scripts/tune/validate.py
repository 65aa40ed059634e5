#!/usr/bin/env python3
"""Validate the tune (colloquial tuning set) relevance labels against the plan texts (stdlib only).

Usage: python3 validate.py [PLANS_DIR]   (default: the repository's corpus/plans)

Checks, per query: all five plan ids present; every item has an int line within
the file, grade in {1,2}, an evidence string of 12-60 characters that is a
substring of that line after NFKC normalisation and whitespace removal (the same
norm as score.py); no duplicate (plan, line) within a query; every qid in
labels.json appears in queries.tsv and vice versa.  Warns (does not fail) when an
evidence string also occurs on another line of the same plan.
Prints counts per query and exits non-zero on any error.
"""
import json, os, sys, unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
PLANS = ["fujian", "xiamen", "jinjiang", "hainan", "ezhou"]


def norm(s):
    return "".join(unicodedata.normalize("NFKC", s or "").split())


def main():
    plans_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "corpus", "plans")
    lines = {}
    for p in PLANS:
        with open(os.path.join(plans_dir, p + ".txt"), encoding="utf-8") as f:
            lines[p] = f.read().split("\n")
    labels = json.load(open(os.path.join(HERE, "labels.json"), encoding="utf-8"))
    qids = []
    for row in open(os.path.join(HERE, "queries.tsv"), encoding="utf-8"):
        if row.strip():
            parts = row.rstrip("\n").split("\t")
            if len(parts) != 3:
                print("ERROR queries.tsv row has %d fields: %r" % (len(parts), row))
            qids.append(parts[0])
    errors, warnings = [], []
    if sorted(qids) != sorted(labels):
        errors.append("qid mismatch queries.tsv vs labels.json: %s" % sorted(set(qids) ^ set(labels)))
    tot = {1: 0, 2: 0}
    print("qid   " + " ".join("%-9s" % p for p in PLANS) + "  g2  g1")
    for qid in qids:
        plans = labels.get(qid, {})
        for p in PLANS:
            if p not in plans:
                errors.append("%s: plan %s missing" % (qid, p))
        for p in plans:
            if p not in PLANS:
                errors.append("%s: unknown plan %s" % (qid, p))
        cnt = {1: 0, 2: 0}
        cells = []
        for p in PLANS:
            seen = set()
            items = plans.get(p, [])
            for it in items:
                ln, g, ev = it.get("line"), it.get("grade"), it.get("evidence", "")
                tag = "%s/%s/L%s" % (qid, p, ln)
                if g not in (1, 2):
                    errors.append("%s: bad grade %r" % (tag, g))
                if not isinstance(ln, int) or not 1 <= ln <= len(lines[p]):
                    errors.append("%s: line out of range" % tag)
                    continue
                if ln in seen:
                    errors.append("%s: duplicate line within query" % tag)
                seen.add(ln)
                n = len(ev)
                if not 12 <= n <= 60:
                    errors.append("%s: evidence length %d not in 12-60: %s" % (tag, n, ev))
                if norm(ev) not in norm(lines[p][ln - 1]):
                    errors.append("%s: evidence not on line: %s" % (tag, ev))
                others = [i + 1 for i, l in enumerate(lines[p]) if i + 1 != ln and norm(ev) in norm(l)]
                if others:
                    warnings.append("%s: evidence also on lines %s" % (tag, others))
                if g in cnt:
                    cnt[g] += 1
            n2 = sum(1 for it in items if it.get("grade") == 2)
            n1 = sum(1 for it in items if it.get("grade") == 1)
            cells.append("%d/%d" % (n2, n1) if items else "-")
        tot[1] += cnt[1]; tot[2] += cnt[2]
        print("%-5s " % qid + " ".join("%-9s" % c for c in cells) + "  %2d  %2d" % (cnt[2], cnt[1]))
    print("(cells: grade2/grade1 items; '-' = plan has nothing on the theme)")
    print("queries: %d  grade-2 items: %d  grade-1 items: %d" % (len(qids), tot[2], tot[1]))
    for w in warnings:
        print("WARN", w)
    for e in errors:
        print("ERROR", e)
    if errors:
        print("FAILED: %d errors" % len(errors)); sys.exit(1)
    print("OK")


if __name__ == "__main__":
    main()
