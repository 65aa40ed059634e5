"""对照: one theme, every plan side by side in hierarchy order, with a status per plan."""
import time

import streamlit as st

import config
from search.export import rows as export_rows, writers
from search.compare import STATUS_LABELS, families
from search.query import QueryError
from ui import common

ctx = common.get_context()
EXAMPLES = ["根治欠薪", "社保卡一卡通", "新就业形态", "技工院校", "零工市场", "海峡两岸"]


def _set_theme(theme: str) -> None:
    st.session_state["compare_theme"] = theme


st.title("对照")
st.caption("输入一个政策主题，按“省—市—县”层级并排查看各规划的相关措施。")

theme = st.text_input("政策主题", key=common.url_key("compare_theme", "q"), placeholder="例如：根治欠薪")
cols = st.columns(len(EXAMPLES) + 1)
cols[0].caption("示例主题：")
for col, ex in zip(cols[1:], EXAMPLES):
    col.button(ex, key=f"compare_ex_{ex}", on_click=_set_theme, args=(ex,), width="stretch")
top = st.slider("每份规划显示的措施数", 1, 5, 3, key="compare_top")
roots = ctx.comparer.roots()
start = roots if len(ctx.comparer.plans) <= config.COMPARE_ALL_PLANS_MAX else roots[:1]
scope = st.multiselect("对照范围（所选规划及其下级市、县规划）", roots, default=start, key="compare_scope",
                       format_func=ctx.plan_name)

if not (theme or "").strip():
    st.info("请输入政策主题，或点击上方示例主题。")
    st.stop()
if not scope:
    st.info("请在“对照范围”中选择至少一份规划。")
    st.stop()

t0 = time.perf_counter()
try:
    chosen = ctx.comparer.family(scope)
    comparison = common.memo("compare", (ctx.index_fp, theme.strip(), top, tuple(chosen)),
                             lambda: ctx.comparer.compare(theme.strip(), top=top, plans=chosen))
except QueryError as exc:
    st.warning(str(exc))
    st.stop()
elapsed = time.perf_counter() - t0

counts = {s: sum(1 for p in comparison.plans if p.status == s) for s in STATUS_LABELS}
summary = " ".join(common.badge(f"{STATUS_LABELS[s]} {n}", common.COMPARE_STATUS_COLORS[s])
                   for s, n in counts.items())
st.markdown(f"主题“{common.esc(theme)}”：{summary}"
            f'<span class="rs-cite">（{len(comparison.plans)} 份规划，用时 {elapsed:.2f} 秒）</span>',
            unsafe_allow_html=True)


def _column(pc) -> None:
    """One plan's column: its name, level and parent, status and best passages."""
    with st.container(border=True):
        parent_name = ctx.plans[pc.plan_id].info.parent_name if pc.plan_id in ctx.plans else ""
        parent = (f"上级：{ctx.plan_name(pc.parent)}" if pc.parent
                  else f"上级：{parent_name}（不在文库中）" if parent_name else "无上级规划")
        st.markdown(f"**{common.esc(ctx.plan_name(pc.plan_id))}**<br>"
                    f'<span class="rs-cite">{common.esc(export_rows.LEVEL_LABELS.get(pc.level, pc.level))}'
                    f" · {common.esc(parent)}</span>", unsafe_allow_html=True)
        st.markdown(common.badge(STATUS_LABELS[pc.status], common.COMPARE_STATUS_COLORS[pc.status]),
                    unsafe_allow_html=True)
        if pc.status == "none":
            st.markdown('<div class="rs-silent">该规划未涉及此主题</div>', unsafe_allow_html=True)
            if pc.hits:
                with st.expander("最接近的段落（相关性低）"):
                    for h in pc.hits:
                        st.markdown(f'<div class="rs-text">{common.block(common.esc(h.text))}</div>'
                                    + common.cite_html(h.plan_title, h.heading_path, h.line_start,
                                                       h.line_end), unsafe_allow_html=True)
            return
        if pc.status == "weak":
            st.caption("仅在下列段落中提及，未见专门措施。")
        for h in pc.hits:
            st.markdown(f'<div class="rs-text">{common.block(h.highlight)}</div>'
                        + common.cite_html(h.plan_title, h.heading_path, h.line_start, h.line_end),
                        unsafe_allow_html=True)
            with st.expander("上下文"):
                common.render_context(ctx, h.plan_id, h.heading_path, h.chunk_id)


# One row when the scope is small; else each family (a province with its cities and counties) under
# its own heading, in rows of COMPARE_ROW_PLANS.
groups = ([comparison.plans] if len(comparison.plans) <= config.COMPARE_ROW_PLANS
          else families(comparison.plans))
for group in filter(None, groups):
    if len(groups) > 1:
        st.subheader(f"{ctx.plan_name(group[0].plan_id)}（{len(group)} 份规划）")
    width = min(len(group), config.COMPARE_ROW_PLANS) if len(groups) == 1 else config.COMPARE_ROW_PLANS
    for start in range(0, len(group), width):
        for col, pc in zip(st.columns(width), group[start:start + width]):
            with col:
                _column(pc)


def _rows() -> list[dict]:
    return export_rows.comparison_rows(comparison, {pid: ctx.plan_name(pid) for pid in ctx.plan_ids()})


stem = f"对照_{theme.strip()[:30]}"
st.divider()
st.markdown("**导出对照表**（含规划、章节和行号出处）")
common.download_buttons(
    stem,
    lambda: writers.to_xlsx({"对照": _rows()}, columns=export_rows.COMPARE_COLUMNS),
    lambda: writers.to_docx(f"政策主题对照：{theme.strip()}",
                           [(f"{ctx.plan_label(pc.plan_id)} — {STATUS_LABELS[pc.status]}",
                             [r for r in _rows() if r["plan_title"] == pc.plan_title])
                            for pc in comparison.plans],
                           columns=export_rows.COMPARE_COLUMNS),
    key="compare_export")
