"""Result → export rows, shared by the CLI and the app: compare, review, precedents and indicator
results as flat rows, each with its citation (plan title, chapter, section, 专栏, line numbers),
plus the (key, 中文表头) column lists that search.export.writers' .xlsx and .docx writers take."""
from __future__ import annotations

from corpus.model import Plan
from search.compare import STATUS_LABELS, Comparison
from search.engine import Hit
from search.indicator_groups import VERDICT_LABELS, IndicatorGroup

REVIEW_LABELS = {"covered": "已覆盖", "partial": "部分覆盖", "missing": "未覆盖"}
LEVEL_LABELS = {"province": "省级", "sub-provincial city": "副省级市", "prefecture-level city": "地级市",
                "county-level city": "县级市"}

CITED_COLUMNS = [("text", "内容"), ("plan_title", "规划"), ("chapter", "章"), ("section", "节"),
                 ("column", "专栏"), ("lines", "行号")]
COMPARE_COLUMNS = [("theme", "主题"), ("plan", "地区"), ("level", "级别"), ("status", "状态"),
                   ("rank", "序号")] + CITED_COLUMNS
PRECEDENT_COLUMNS = [("paragraph", "草稿段落"), ("rank", "序号"), ("score", "匹配度"), ("covers", "覆盖的草稿分句"),
                     ("adds", "先例多出的内容"), ("shared_share", "相同措辞占比"), ("shared", "相同措辞")] + CITED_COLUMNS
MEASURE_COLUMNS = [("status", "结论"), ("score", "落实比例"), ("parent_text", "上级措施"),
                   ("parent_chapter", "上级·章"), ("parent_section", "上级·节"), ("parent_lines", "上级·行号"),
                   ("carried", "已落实的举措"), ("not_carried", "未落实的举措"), ("reason", "依据"),
                   ("child_text", "下级对应段落（未覆盖时为最相近段落）"), ("shared", "相同措辞"),
                   ("child_heading", "下级·章节"), ("child_lines", "下级·行号")]
REVIEW_INDICATOR_COLUMNS = [("parent_name", "上级指标"), ("parent_target", "上级目标"), ("parent_unit", "单位"),
                            ("child_name", "下级指标"), ("child_target", "下级目标"), ("child_unit", "下级单位"),
                            ("verdict_label", "结论"), ("note", "说明"), ("parent_lines", "上级·行号"),
                            ("child_lines", "下级·行号")]
INDICATOR_COLUMNS = [("key", "指标"), ("plan_title", "规划"), ("name", "原指标名称"), ("base", "基期值(2020)"),
                     ("target", "目标值(2025)"), ("unit", "单位"), ("attribute", "属性"), ("lines", "行号")]


def lines_text(start: int | None, end: int | None) -> str:
    """'L12' or 'L12–15' ('' when unknown)."""
    if start is None:
        return ""
    return f"L{start}" if start == end or end is None else f"L{start}–{end}"


def hit_row(hit: Hit | dict, **extra) -> dict:
    """Export row for a hit: its text and citation columns (plan, chapter, section, 专栏, lines)."""
    h = hit if isinstance(hit, dict) else hit.to_dict()
    path = list(h["heading_path"]) + ["", "", ""]
    return {**extra, "text": h["text"], "plan_title": h["plan_title"], "chapter": path[0],
            "section": path[1], "column": path[2], "lines": lines_text(h["line_start"], h["line_end"])}


def comparison_rows(comparison: Comparison, plan_names: dict[str, str]) -> list[dict]:
    """One row per (plan, hit) of a side-by-side view; a silent plan gets one row saying so."""
    rows = []
    for col in comparison.plans:
        base = {"theme": comparison.query, "plan": plan_names.get(col.plan_id, col.plan_title),
                "level": LEVEL_LABELS.get(col.level, col.level), "status": STATUS_LABELS[col.status]}
        if col.status == "none" or not col.hits:
            rows.append({**base, "rank": "", "text": "（未涉及该主题）", "plan_title": col.plan_title})
            continue
        rows.extend(hit_row(h, **base, rank=n) for n, h in enumerate(col.hits, 1))
    return rows


def precedent_rows(paragraphs) -> list[dict]:
    """One row per (draft paragraph, precedent): clauses it covers, what it adds, shared wording, citation."""
    return [hit_row(p.hit, paragraph=n, rank=k, score=round(p.score, 3), covers="；".join(p.covers),
                    adds="；".join(p.adds), shared_share=f"{p.shared_share:.0%}", shared="；".join(p.shared))
            for n, para in enumerate(paragraphs, 1) for k, p in enumerate(para.precedents, 1)]


def measure_rows(review) -> list[dict]:
    """One row per provincial measure: verdict, share of its actions carried, which actions are and are
    not carried, why, and the evidence passage of the city plan with its citation and shared wording."""
    rows = []
    for m in review.measures:
        ev = m.get("evidence") or (m["matches"][0] if m["matches"] else None)
        path = list(m["parent_heading_path"]) + ["", ""]
        rows.append({
            "status": REVIEW_LABELS[m["status"]], "score": f"{m['score']:.0%}",
            "parent_text": m["parent_text"], "parent_chapter": path[0], "parent_section": path[1],
            "parent_lines": lines_text(m["parent_line_start"], m["parent_line_end"]),
            "carried": "；".join(m.get("carried", [])), "not_carried": "；".join(m.get("not_carried", [])),
            "reason": m.get("reason", ""),
            "child_text": ev["text"] if ev else "", "shared": "；".join(ev.get("shared", [])) if ev else "",
            "child_heading": " › ".join(ev["heading_path"]) if ev else "",
            "child_lines": lines_text(ev["line_start"], ev["line_end"]) if ev else "",
        })
    return rows


def review_indicator_rows(review) -> list[dict]:
    """The indicator comparison rows with a Chinese verdict and line citations."""
    return [{**r, "verdict_label": VERDICT_LABELS.get(r["verdict"], r["verdict"]),
             "parent_lines": lines_text(r.get("parent_line"), r.get("parent_line")),
             "child_lines": lines_text(r.get("child_line"), r.get("child_line"))} for r in review.indicators]


def review_sections(review) -> list[tuple[str, list[dict], list[tuple[str, str]]]]:
    """The three parts of a review as (title, rows, columns): measures, indicators, local initiatives."""
    return [("措施覆盖", measure_rows(review), MEASURE_COLUMNS),
            ("指标对照", review_indicator_rows(review), REVIEW_INDICATOR_COLUMNS),
            ("本地特色举措", [hit_row(h) for h in review.local], CITED_COLUMNS)]


def indicator_rows(groups: list[IndicatorGroup], plans: list[Plan]) -> list[dict]:
    """One row per (indicator group, plan): base, target, unit, attribute and the line cited."""
    titles = {p.id: p.info.title for p in plans}
    return [{"key": g.key, "plan_title": titles.get(pid, pid), "name": i.name, "base": i.base,
             "target": i.target, "unit": i.unit, "attribute": i.attribute,
             "lines": lines_text(i.line, i.line_end or i.line)}
            for g in groups for pid, inds in g.by_plan.items() for i in inds]


def relabel(rows: list[dict], columns: list[tuple[str, str]]) -> list[dict]:
    """Rows keyed by their Chinese headers (for exports that mix sections of different shapes)."""
    return [{header: row.get(key, "") for key, header in columns} for row in rows]
