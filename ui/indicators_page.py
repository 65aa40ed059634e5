"""指标: the plans' main-indicator tables lined up across plans, with a chart of comparable targets."""
from collections import Counter

import pandas as pd
import streamlit as st

from search.export import rows as export_rows, writers
from search.indicator_groups import group_indicators
from ui import common

ctx = common.get_context()
PERIODS = {"14th": "十四五目标", "13th": "十三五完成情况"}
# Plans name their indicator categories differently (就业 / 就业促进 / 促进就业 …).
CATEGORY_RULES = (("就业", "就业"), ("保障", "社会保障"), ("保险", "社会保障"), ("人才", "人才人事"),
                  ("人事", "人才人事"), ("劳动关系", "劳动关系"), ("公共服务", "公共服务"),
                  ("能力建设", "公共服务"), ("收入", "收入分配"), ("工资", "收入分配"))


def category_of(raw: str) -> str:
    return next((label for key, label in CATEGORY_RULES if key in raw), raw or "其他")


def _target(ind) -> str:
    """The target as written, with its unit unless the target already carries it (95.2%)."""
    target = ind.target.strip()
    unit = f" {ind.unit}" if ind.unit and not target.endswith(ind.unit) else ""
    return f"{target}{unit}"


st.title("指标")
st.caption("各规划主要指标表的横向对照：同一指标的不同写法已归并到一行。")

ids = ctx.plan_ids()
c1, c2, c3 = st.columns([1, 2, 2])
period = c1.radio("时期", list(PERIODS), format_func=PERIODS.get, horizontal=True,
                  key=common.url_key("ind_period", "period", PERIODS))
groups = group_indicators([ctx.plans[pid] for pid in ids], period=period)
categories = {g.key: category_of(Counter(i.category for inds in g.by_plan.values() for i in inds)
                                 .most_common(1)[0][0]) for g in groups}
all_cats = list(dict.fromkeys(categories.values()))
sel_cats = c2.multiselect("类别", all_cats, placeholder="全部类别",
                          key=common.url_key("ind_cats", "category", all_cats, many=True))
keyword = c3.text_input("指标名称包含", key=common.url_key("ind_keyword", "name"), placeholder="例如：失业率、参保")

shown = [g for g in groups if (not sel_cats or categories[g.key] in sel_cats)
         and (not keyword.strip() or keyword.strip() in g.key
              or any(keyword.strip() in i.name for inds in g.by_plan.values() for i in inds))]

if not groups:
    st.info("所选时期没有解析出主要指标。")
    st.stop()
if not shown:
    st.info("没有符合筛选条件的指标，请放宽类别或关键词。")
    st.stop()

rows = []
for g in shown:
    row = {"类别": categories[g.key], "指标": g.key}
    for pid in ids:
        row[ctx.plan_name(pid)] = "；".join(_target(i) for i in g.by_plan.get(pid, [])) or "—"
    row["设置该指标的规划数"] = len(g.by_plan)
    rows.append(row)
st.caption(f"共 {len(shown)} 项指标（“—”表示该规划未设此指标；方括号或“/五年”为五年累计值）")
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch",
             column_config={"指标": st.column_config.TextColumn(pinned=True)})
export_table = export_rows.indicator_rows(shown, [ctx.plans[pid] for pid in ids])
common.download_buttons(
    f"指标_{PERIODS[period]}",
    lambda: writers.to_xlsx({"指标": export_table}, columns=export_rows.INDICATOR_COLUMNS),
    lambda: writers.to_docx(f"主要指标对照（{PERIODS[period]}）",
                           [("指标", export_rows.relabel(export_table, export_rows.INDICATOR_COLUMNS))]),
    key="indicator_export")

# ---- chart: only targets measured in the same unit are comparable; city and province totals
# differ by jurisdiction size, so the chart is offered for percentage indicators.
st.subheader("可比指标图")
comparable = []
for g in shown:
    values = {pid: inds[0] for pid, inds in g.by_plan.items()
              if inds and inds[0].unit == "%" and inds[0].target_value is not None}
    if len(values) >= 2:
        comparable.append((g.key, values))
if not comparable:
    st.info("当前筛选下没有可比的百分比指标（至少两份规划以 % 为单位设定目标）。")
    st.stop()
names = [k for k, _ in comparable]
picked = st.multiselect("选择指标（单位均为 %）", names, default=names[:4], key="ind_chart")
data = [{"指标": key, "规划": ctx.plan_name(pid), "目标值（%）": ind.target_value}
        for key, values in comparable if key in picked for pid, ind in values.items()]
if data:
    st.bar_chart(pd.DataFrame(data), x="指标", y="目标值（%）", color="规划", stack=False,
                 height=380)
    st.caption("失业率为上限（越低越严格），参保率、结案率等为下限（越高越严格）。")
else:
    st.info("请至少选择一项指标。")
