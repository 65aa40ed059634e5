"""检索: full-text search over all plans (hybrid / keyword / semantic) with filters and context."""
import time

import streamlit as st

from search.query import QueryError
from ui import common

ctx = common.get_context()
MODES = {"混合": "hybrid", "关键词": "keyword", "语义": "semantic"}
MODES_BY_TOKEN = {token: label for label, token in MODES.items()}
EXAMPLES = ["根治欠薪", "新就业形态劳动者权益保障", "技工院校", "社保卡一卡通", "零工市场"]


def _use_semantic() -> None:
    st.session_state["search_mode"] = "语义"


def _set_query(q: str) -> None:
    st.session_state["search_query"] = q


st.title("检索")
st.caption("在全部规划中检索举措、专栏、指标和正文。支持 \"精确短语\" 与 -排除词。")

query = st.text_input("检索词", key=common.url_key("search_query", "q"), placeholder="例如：根治欠薪、零工市场、技能人才评价",
                      help="回车即检索。用英文或中文引号包住短语可精确匹配，在词前加 - 可排除。")
ex_cols = st.columns(len(EXAMPLES) + 1)
ex_cols[0].caption("示例：")
for col, ex in zip(ex_cols[1:], EXAMPLES):
    col.button(ex, key=f"search_ex_{ex}", on_click=_set_query, args=(ex,), width="stretch")

with st.expander("检索方式与筛选", expanded=True):
    c1, c2, c3 = st.columns([2, 3, 2])
    mode_label = c1.radio("检索方式", list(MODES), horizontal=True,
                          key=common.url_key("search_mode", "mode", MODES, tokens=MODES_BY_TOKEN,
                                             default="混合"),
                          help="混合 = 关键词 + 语义；语义检索能找到措辞不同但意思相近的段落。")
    plan_ids = ctx.plan_ids()
    sel_plans = c2.multiselect("规划", plan_ids, format_func=ctx.plan_label,
                               key=common.url_key("search_plans", "plan", plan_ids, many=True),
                               placeholder="全部规划")
    levels = [lv for lv in common.LEVEL_LABELS if lv in ctx.engine.levels]
    sel_levels = c3.multiselect("行政级别", levels,
                                key=common.url_key("search_levels", "level", levels, many=True),
                                format_func=common.LEVEL_LABELS.get, placeholder="全部级别")
    c4, c5, c6 = st.columns([2, 3, 2])
    sel_phase = c4.multiselect("阶段", list(common.PHASE_LABELS),
                               key=common.url_key("search_phase", "phase", common.PHASE_LABELS, many=True),
                               format_func=common.PHASE_LABELS.get, placeholder="全部")
    sel_kinds = c5.multiselect("类型", list(common.KIND_LABELS),
                               key=common.url_key("search_kinds", "kind", common.KIND_LABELS, many=True),
                               format_func=common.KIND_LABELS.get, placeholder="全部类型")
    top = c6.slider("结果数", 5, 50, 10, step=5, key="search_top")

if not (query or "").strip():
    st.info("请输入检索词，或点击上方示例。")
    st.stop()

mode = MODES[mode_label]
t0 = time.perf_counter()
try:
    result = ctx.engine.search(query, mode=mode, top=top, plans=sel_plans or None,
                               level=sel_levels or None, kind=sel_kinds or None,
                               phase=sel_phase or None)
except QueryError as exc:
    st.warning(str(exc))
    st.stop()
elapsed = time.perf_counter() - t0

if not result.hits:
    st.warning(f"没有找到与“{common.esc(query)}”匹配的内容。")
    tips = ["换用相关词或更短的词（如“欠薪”→“工资支付”）", "减少筛选条件"]
    if mode != "semantic":
        tips.insert(0, "改用语义检索，查找措辞不同但意思相近的段落")
    st.markdown("\n".join(f"- {common.esc(t)}" for t in tips))
    if mode != "semantic":
        st.button("改用语义检索", on_click=_use_semantic, key="search_to_semantic")
    st.stop()

if not result.keyword_matched:
    st.info(f"没有段落包含“{common.esc(query)}”中的词语，以下是意思最接近的段落，请留意甄别。")
st.caption(f"共 {len(result.hits)} 条结果（{common.MODE_LABELS[mode]}检索，用时 {elapsed:.2f} 秒）")
for i, hit in enumerate(result.hits, 1):
    with st.container(border=True):
        tags = (common.tag(common.KIND_LABELS.get(hit.kind, hit.kind))
                + common.tag(common.PHASE_LABELS.get(hit.phase, hit.phase))
                + common.tag(common.LEVEL_LABELS.get(hit.level, hit.level)))
        st.markdown(f"**{i}. {common.esc(hit.plan_title)}** &nbsp; {tags}", unsafe_allow_html=True)
        st.markdown(f'<div class="rs-cite">{common.esc(common.heading_text(hit.heading_path))} · '
                    f'{common.lines_text(hit.line_start, hit.line_end)}</div>', unsafe_allow_html=True)
        # hit.highlight is HTML-escaped by the back end, with <mark> around the matched terms
        st.markdown(f'<div class="rs-text">{common.block(hit.highlight)}</div>', unsafe_allow_html=True)
        with st.expander("查看上下文（整节）"):
            common.render_context(ctx, hit.plan_id, hit.heading_path, hit.chunk_id)
