"""Cross-plan indicator table: line up equivalent indicators and compare targets.

Indicator names are normalised (numbering, 其中：, bracketed notes and spaces
removed) and mapped to a canonical measure key through a small concept table.
Each concept also belongs to a family of related measures, so that e.g. 城镇调查
失业率 and 城镇登记失业率 are recognised as related but *different* measures.
Names outside the table fall back to their normalised form as key and family.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from corpus.model import Indicator, Plan

# (canonical key, family, pattern on the normalised name); first match wins,
# so more specific concepts come before the general ones they contain.
CONCEPTS: tuple[tuple[str, str, str], ...] = (
    ("城镇调查失业率", "失业率", r"调查失业率"),
    ("城镇登记失业率", "失业率", r"登记失业率"),
    ("城镇失业人员再就业人数", "再就业", r"失业.*再就业"),
    ("城镇新增就业人数", "新增就业", r"^城镇新增就业"),
    ("农民工参加职业培训人次", "农民工培训", r"农民工.*职业培训"),
    ("补贴性职业技能培训人次", "职业技能培训", r"补贴性职业技能培训"),
    ("职业技能培训人数", "职业技能培训", r"^职业技能培训"),
    ("基本养老保险参保率", "养老保险参保", r"养老保险参保率"),
    ("基本养老保险参保人数", "养老保险参保", r"^基本养老保险参保人数"),
    ("城镇职工基本养老保险参保人数", "养老保险参保", r"城镇职工基本养老保险参保人数"),
    ("城乡居民基本养老保险参保人数", "养老保险参保", r"城乡居民基本养老保险参保人数"),
    ("失业保险参保人数", "失业保险", r"失业保险参保人数"),
    ("失业保险缴费人数", "失业保险", r"失业保险缴费人数"),
    ("工伤保险参保人数", "工伤保险", r"工伤保险参保人数"),
    ("工伤保险缴费人数", "工伤保险", r"工伤保险缴费人数"),
    ("申领电子社保卡人口覆盖率", "社会保障卡", r"电子社保卡"),
    ("社会保障卡持卡人口覆盖率", "社会保障卡", r"持卡人口覆盖率"),
    ("社会保障卡持卡人数", "社会保障卡", r"社会保障卡持卡人数"),
    ("新增取得高级工以上证书人数", "职业资格证书", r"高级工以上"),
    ("新增取得专业技术人员职业资格证书人数", "职业资格证书", r"专业技术人员职业资格证书"),
    ("新增取得职业资格证书或职业技能等级证书人数", "职业资格证书", r"职业资格证书或职|职业技能等级证书"),
    ("新增高技能人才", "技能人才", r"^新增高技能人才"),
    ("高技能人才总量", "技能人才", r"^高技能人才"),
    ("新增技能人才", "技能人才", r"^新增技能人才"),
    ("新增专业技术人才", "专业技术人才", r"^新增专业技术人才"),
    ("专业技术人才总量", "专业技术人才", r"^专业技术人才(总量)?$"),
    ("高级职称人才数量", "专业技术人才", r"高级职称人才"),
    ("博士后研究人员年招收数", "博士后", r"博士后"),
    ("企业劳动合同签订率", "劳动合同", r"劳动合同签订率"),
    ("劳动人事争议调解成功率", "劳动人事争议调解", r"争议调解成功率"),
    ("劳动人事争议仲裁结案率", "劳动人事争议仲裁", r"争议仲裁.*结案率"),
    ("劳动保障监察举报投诉案件结案率", "劳动保障监察", r"劳动保障监察.*结案率"),
)
_COMPILED = tuple((key, family, re.compile(pattern)) for key, family, pattern in CONCEPTS)

# Lower-is-better measures even when the target is written without < or ≤.
_CEILING_NAME = re.compile(r"失业率")
_RATE_UNIT = "%"

VERDICTS = ("consistent", "stricter", "looser", "different measure", "missing")
VERDICT_LABELS = {
    "consistent": "一致",
    "stricter": "更严格",
    "looser": "更宽松",
    "different measure": "口径不同",
    "missing": "缺失",
}


def normalize_name(name: str) -> str:
    """Indicator name without 其中：, row numbering, bracketed notes or spaces."""
    text = re.sub(r"\s+", "", name)
    text = re.sub(r"^其中[:：]", "", text)
    text = re.sub(r"^(?:[（(]\d+[）)]|\d+[.、．]|[一二三四五六七八九十]+、)", "", text)
    text = re.sub(r"[（(][^）)]*[）)]", "", text)
    return re.sub(r"^其中[:：]", "", text)


def measure_key(name: str) -> tuple[str, str]:
    """(canonical key, family) of an indicator name; unknown names key on themselves."""
    norm = normalize_name(name)
    for key, family, pattern in _COMPILED:
        if pattern.search(norm):
            return key, family
    return norm, norm


@dataclass
class IndicatorGroup:
    """One canonical measure and the indicators each plan sets for it."""
    key: str
    family: str
    by_plan: dict[str, list[Indicator]] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"key": self.key, "family": self.family,
                "by_plan": {pid: [i.to_dict() for i in inds] for pid, inds in self.by_plan.items()}}


def group_indicators(plans: list[Plan], period: str = "14th") -> list[IndicatorGroup]:
    """Indicators of one period grouped by canonical measure, in order of first appearance."""
    groups: dict[str, IndicatorGroup] = {}
    for plan in plans:
        for ind in plan.indicators:
            if ind.period != period:
                continue
            key, family = measure_key(ind.name)
            group = groups.setdefault(key, IndicatorGroup(key, family))
            group.by_plan.setdefault(plan.id, []).append(ind)
    return list(groups.values())


def group_table(groups: list[IndicatorGroup], plan_ids: list[str]) -> list[dict]:
    """One row per group: 指标 plus, per plan, its target(s) with unit as written."""
    rows = []
    for g in groups:
        row = {"指标": g.key}
        for pid in plan_ids:
            row[pid] = "；".join(_target_text(i) for i in g.by_plan.get(pid, []))
        rows.append(row)
    return rows


def _target_text(ind: Indicator) -> str:
    unit = f"（{ind.unit}）" if ind.unit else ""
    return f"{ind.target}{unit}"


def match_indicator(parent_ind: Indicator, child_inds: list[Indicator]) -> tuple[Indicator | None, str]:
    """The child indicator measuring the parent's measure: relation "same", "different_measure" or "none".

    Same key wins (preferring equal unit and cumulative flag); otherwise the first
    indicator of the same concept family is returned as a related, different measure.
    """
    key, family = measure_key(parent_ind.name)
    same = [c for c in child_inds if measure_key(c.name)[0] == key]
    if same:
        same.sort(key=lambda c: (c.unit != parent_ind.unit, c.cumulative != parent_ind.cumulative))
        return same[0], "same"
    related = [c for c in child_inds if measure_key(c.name)[1] == family]
    if related:
        return related[0], "different_measure"
    return None, "none"


def _is_ceiling(ind: Indicator) -> bool:
    return ind.target_comparator in ("<", "≤") or bool(_CEILING_NAME.search(ind.name))


def _strict(ind: Indicator) -> bool:
    """True for an open bound (< or >); "=" counts as reaching the value, i.e. a closed bound."""
    return ind.target_comparator in ("<", ">")


def assess_targets(parent: Indicator, child: Indicator | None) -> tuple[str, str]:
    """(verdict, Chinese note) for a child target against the parent's; see compare_targets."""
    if child is None:
        return "missing", "下级规划未设该指标"
    if measure_key(parent.name)[0] != measure_key(child.name)[0]:
        return "different measure", f"相关但口径不同：{child.name}"
    if parent.unit and child.unit and parent.unit != child.unit:
        return "different measure", f"单位不同：{parent.unit} / {child.unit}"
    if parent.cumulative != child.cumulative:
        return "different measure", "一为五年累计、一为年度或期末值"
    if parent.target_value is None or child.target_value is None:
        same_text = parent.target.replace(" ", "") == child.target.replace(" ", "")
        return ("consistent", "目标文字相同") if same_text else ("different measure", "目标非数值，无法比较")
    if (parent.unit or child.unit) != _RATE_UNIT:
        return "consistent", "两级均设该指标；总量类指标因辖区规模不同，不按数值比较"
    return _compare_rates(parent, child), ""


def _compare_rates(parent: Indicator, child: Indicator) -> str:
    p, c = parent.target_value, child.target_value
    if p != c:
        child_lower = c < p
        return "stricter" if child_lower == (_is_ceiling(parent) or _is_ceiling(child)) else "looser"
    if _strict(parent) == _strict(child):
        return "consistent"
    return "stricter" if _strict(child) else "looser"


def compare_targets(parent: Indicator, child: Indicator | None) -> str:
    """Verdict of a child target against its parent's: one of VERDICTS.

    - "missing": no child indicator.
    - "different measure": other concept of the same family, other unit, or one
      five-year cumulative figure against an annual / end-of-period one.
    - Rates (unit %) are compared by value with direction: for a ceiling (< ≤,
      or a 失业率) a lower child target is "stricter", for a floor (参保率,
      结案率, 成功率 …) a higher one is. Equal values: an open bound (< >) is
      stricter than a closed one (≤ ≥ =); same strength is "consistent".
    - Counts (万人, 人, 亿元 …) of a province and a city differ by scale and are
      not compared by value: both setting the indicator is "consistent", and
      assess_targets adds a note saying so.
    """
    return assess_targets(parent, child)[0]


def review_indicators(parent_plan: Plan, child_plan: Plan) -> list[dict]:
    """One row per 14th-period parent indicator, with the child's counterpart and a verdict.

    A child indicator already matched as the same measure to another parent
    indicator is not reused as a stand-in: the parent measure is then "missing".
    """
    parents = [i for i in parent_plan.indicators if i.period == "14th"]
    children = [i for i in child_plan.indicators if i.period == "14th"]
    matches = [match_indicator(p, children) for p in parents]
    taken = {id(c) for c, rel in matches if rel == "same"}
    rows = []
    for parent, (child, relation) in zip(parents, matches):
        if relation == "different_measure" and id(child) in taken:
            verdict, note = "missing", f"下级规划仅设相关指标：{child.name}"
            child = None
        else:
            verdict, note = assess_targets(parent, child)
        rows.append({
            "key": measure_key(parent.name)[0],
            "parent_name": parent.name,
            "parent_target": parent.target,
            "parent_unit": parent.unit,
            "parent_attribute": parent.attribute,
            "parent_line": parent.line,
            "child_name": child.name if child else "",
            "child_target": child.target if child else "",
            "child_unit": child.unit if child else "",
            "child_attribute": child.attribute if child else "",
            "child_line": child.line if child else None,
            "unit": parent.unit if not child or child.unit in ("", parent.unit) else f"{parent.unit} / {child.unit}",
            "verdict": verdict,
            "verdict_label": VERDICT_LABELS[verdict],
            "note": note,
        })
    return rows
