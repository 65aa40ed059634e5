"""Result → export rows: compare, review and indicator results as flat rows, each with its citation
(plan title, chapter, section, line numbers), for search.export's .xlsx and .docx writers."""
from __future__ import annotations

from corpus.model import Plan
from search.compare import STATUS_LABELS
from search.indicator_groups import VERDICT_LABELS, IndicatorGroup

REVIEW_LABELS = {"covered": "已覆盖", "partial": "部分覆盖", "missing": "未覆盖"}


def hit_citation(hit: dict) -> dict:
    """Citation fields of a search hit (dict form): plan_title, chapter, section, lines."""
    path = list(hit.get("heading_path") or []) + ["", ""]
    start, end = hit["line_start"], hit["line_end"]
    return {"plan_title": hit["plan_title"], "chapter": path[0], "section": path[1],
            "lines": f"L{start}" if start == end else f"L{start}–{end}"}


def comparison_rows(comparison: dict) -> list[dict]:
    """One row per (plan, hit) of a side-by-side comparison; silent plans get one row saying so."""
    rows = []
    for col in comparison["plans"]:
        base = {"主题": comparison["query"], "规划": col["plan_title"], "状态": STATUS_LABELS[col["status"]]}
        if not col["hits"] or col["status"] == "none":
            rows.append({**base, "名次": "", "措施": "（未涉及该主题）", "章": "", "节": "", "行号": ""})
            continue
        for rank, h in enumerate(col["hits"], 1):
            c = hit_citation(h)
            rows.append({**base, "名次": rank, "措施": h["text"], "章": c["chapter"], "节": c["section"],
                         "行号": c["lines"]})
    return rows


def review_sheets(review) -> dict[str, list[dict]]:
    """The three parts of a consistency review as sheets: measures, indicators, local initiatives."""
    measures = []
    for m in review.measures:
        path = list(m["parent_heading_path"]) + ["", ""]
        best = m["matches"][0] if m["matches"] else None
        c = hit_citation(best) if best else {"chapter": "", "section": "", "lines": ""}
        measures.append({
            "上级规划措施": m["parent_text"], "上级章": path[0], "上级节": path[1],
            "上级行号": f"L{m['parent_line_start']}–{m['parent_line_end']}",
            "结论": REVIEW_LABELS[m["status"]], "相似度": m["score"],
            "本级最接近段落": best["text"] if best else "", "本级章": c["chapter"], "本级节": c["section"],
            "本级行号": c["lines"],
        })
    indicators = [{
        "上级指标": r["parent_name"], "上级目标": r["parent_target"], "本级指标": r.get("child_name") or "",
        "本级目标": r.get("child_target") or "", "单位": r.get("unit") or "",
        "结论": VERDICT_LABELS.get(r["verdict"], r["verdict"]), "说明": r.get("note", ""),
        "上级行号": f"L{r['parent_line']}" if r.get("parent_line") else "",
        "本级行号": f"L{r['child_line']}" if r.get("child_line") else "",
    } for r in review.indicators]
    local = []
    for h in review.local:
        d = h.to_dict()
        c = hit_citation(d)
        local.append({"本级特色措施": d["text"], "章": c["chapter"], "节": c["section"], "行号": c["lines"],
                      "与上级最高相似度": d["score"]})
    return {"措施覆盖": measures, "指标对照": indicators, "本级特色": local}


def indicator_rows(groups: list[IndicatorGroup], plans: list[Plan]) -> list[dict]:
    """One row per (indicator group, plan): base, target, unit, attribute and the line cited."""
    titles = {p.id: p.info.title for p in plans}
    rows = []
    for g in groups:
        for pid, inds in g.by_plan.items():
            for i in inds:
                rows.append({"指标": g.key, "规划": titles.get(pid, pid), "原指标名称": i.name,
                             "基期值(2020)": i.base, "目标值(2025)": i.target, "单位": i.unit,
                             "属性": i.attribute, "行号": f"L{i.line}"})
    return rows
