"""审查: consistency review of a city plan against its parent (or any other) plan."""
import time

import pandas as pd
import streamlit as st

from search.export import rows as export_rows, writers
from search.indicator_groups import VERDICT_LABELS
from search.query import QueryError
from search.review import review
from ui import common

ctx = common.get_context()
DEFAULT = "（默认：上级规划）"

st.title("审查")
st.caption("逐条检查上级规划的措施在下级规划中是否落实（按分句逐项比对措辞与含义），对照主要指标目标，"
           "并列出下级规划的本地特色举措。")

ids = ctx.plan_ids()
children = [pid for pid in ids if ctx.plans[pid].info.level != "province"] or ids
c1, c2 = st.columns(2)
plan_id = c1.selectbox("待审查的规划", children, key=common.url_key("review_plan", "plan", children),
                       format_func=ctx.plan_label)
others = [pid for pid in ids if pid != plan_id]
against = c2.selectbox("对照规划", [DEFAULT] + others,
                       key=common.url_key("review_against", "against", others, default=DEFAULT),
                       format_func=lambda pid: pid if pid == DEFAULT else ctx.plan_label(pid))
against = None if against == DEFAULT else against

t0 = time.perf_counter()
try:
    with st.spinner("正在比对……"):
        rv = common.memo("review", (ctx.index_fp, plan_id, against),
                         lambda: review(ctx.engine, ctx.plans, plan_id, against))
except QueryError as exc:
    st.error(str(exc))
    st.info("可在“对照规划”中另选一份规划进行比对，或到“文库”页添加上级规划。")
    st.stop()
elapsed = time.perf_counter() - t0

parent_title = ctx.plans[rv.against].info.title
child_title = ctx.plans[rv.plan].info.title
st.markdown(f"以 **{common.esc(parent_title)}** 为对照，审查 **{common.esc(child_title)}**"
            f'<span class="rs-cite">（用时 {elapsed:.2f} 秒）</span>', unsafe_allow_html=True)

summary = rv.summary()
verdict_counts = {v: sum(1 for r in rv.indicators if r["verdict"] == v) for v in VERDICT_LABELS}
m = st.columns(5)
m[0].metric("上级措施", len(rv.measures))
for col, s in zip(m[1:4], ("covered", "partial", "missing")):
    col.metric(export_rows.REVIEW_LABELS[s], summary[s])
m[4].metric("本地特色举措", len(rv.local))
st.markdown("指标对照：" + " ".join(
    common.badge(f"{VERDICT_LABELS[v]} {n}", "#57606a") for v, n in verdict_counts.items() if n),
    unsafe_allow_html=True)


measure_rows = export_rows.measure_rows(rv)
indicator_rows = export_rows.review_indicator_rows(rv)


tab_m, tab_i, tab_l = st.tabs([f"措施覆盖（{len(rv.measures)}）", f"指标对照（{len(rv.indicators)}）",
                               f"本地特色举措（{len(rv.local)}）"])
with tab_m:
    show = st.multiselect("显示", list(export_rows.REVIEW_LABELS), default=["missing", "partial"],
                          format_func=export_rows.REVIEW_LABELS.get, key="review_show")
    table = pd.DataFrame(export_rows.relabel(measure_rows, export_rows.MEASURE_COLUMNS))
    table = table[table["结论"].isin([export_rows.REVIEW_LABELS[s] for s in show])]
    st.dataframe(table, hide_index=True, width="stretch",
                 column_config={"上级措施": st.column_config.TextColumn(width="large"),
                                "下级对应段落（未覆盖时为最相近段落）": st.column_config.TextColumn(width="large")})
    st.caption("逐条查看（按结论筛选后的前 30 条）：每项举措是否落实、下级规划的对应段落（相同措辞以黄色标出）及依据。")
    for mr in [x for x in rv.measures if x["status"] in show][:30]:
        label = (f"{export_rows.REVIEW_LABELS[mr['status']]} · "
                 f"{common.heading_text(mr['parent_heading_path'])} · {mr['parent_text'][:40]}…")
        ev = mr.get("evidence")
        with st.expander(common.esc(label)):
            parent_html = ev["parent_marked"] if ev else common.esc(mr["parent_text"])
            st.markdown(common.badge(export_rows.REVIEW_LABELS[mr["status"]],
                                     common.REVIEW_STATUS_COLORS[mr["status"]])
                        + common.tag(f"落实 {mr['score']:.0%}")
                        + f'<div class="rs-text">{common.block(parent_html)}</div>'
                        + common.cite_html(parent_title, mr["parent_heading_path"],
                                           mr.get("parent_line_start") or 0, mr.get("parent_line_end") or 0),
                        unsafe_allow_html=True)
            st.markdown("**逐项举措：**\n" + "\n".join(
                f"- {'✅ 已落实' if a['carried'] else '❌ 未落实'}：{common.esc(a['text'])}"
                + (f' <span class="rs-cite">（对应：{common.esc(a["match_text"][:50])}；综合 {a["score"]:.2f}）</span>'
                   if a["carried"] else "")
                for a in mr["actions"]), unsafe_allow_html=True)
            st.markdown(f"**依据：** {common.esc(mr['reason'])}")
            if ev:
                title = "下级规划中的对应段落：" if mr["status"] != "missing" else "下级规划中最相近的段落（不足以认定落实）："
                st.markdown(f"**{title}**")
                st.markdown(f'<div class="rs-text">{common.block(ev["marked"])}</div>'
                            + common.cite_html(ev["plan_title"], ev["heading_path"], ev["line_start"],
                                               ev["line_end"]), unsafe_allow_html=True)

with tab_i:
    if rv.indicators:
        st.dataframe(pd.DataFrame(export_rows.relabel(indicator_rows, export_rows.REVIEW_INDICATOR_COLUMNS)), hide_index=True,
                     width="stretch")
        st.caption("比率类指标按数值和方向比较（失业率越低越严格，参保率、结案率越高越严格）；"
                   "总量类指标因辖区规模不同，只检查是否设置。")
    else:
        st.info("对照规划没有可比对的“十四五”主要指标。")

with tab_l:
    if not rv.local:
        st.info("下级规划的举措在对照规划中均有相近内容。")
    for h in rv.local[:40]:
        st.markdown(f'<div class="rs-text">{common.block(common.esc(h.text))}</div>'
                    + common.cite_html(h.plan_title, h.heading_path, h.line_start, h.line_end),
                    unsafe_allow_html=True)
    if len(rv.local) > 40:
        st.caption(f"另有 {len(rv.local) - 40} 条，见导出文件。")

st.divider()
st.markdown("**导出审查报告**")
sections = export_rows.review_sections(rv)
stem = f"审查_{rv.plan}_对照_{rv.against}"
common.download_buttons(
    stem,
    lambda: writers.to_xlsx({title: export_rows.relabel(rows, cols) for title, rows, cols in sections}),
    lambda: writers.to_docx(f"{child_title} 对照 {parent_title} 审查报告",
                           [(title, export_rows.relabel(rows, cols)) for title, rows, cols in sections]),
    key="review_export")
