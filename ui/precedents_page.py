"""先例: paste a draft paragraph, find the most similar passages of all plans, shared wording marked."""
import time

import streamlit as st

from search.export import rows as export_rows, writers
from search.precedents import find_precedents
from search.query import QueryError
from ui import common

ctx = common.get_context()
EXAMPLE = ("健全根治拖欠农民工工资长效机制，全面落实工资专用账户、实名制管理、工资保证金等制度，"
           "加大欠薪违法行为惩戒力度。")


def _example() -> None:
    st.session_state["precedent_draft"] = EXAMPLE


st.title("先例")
st.caption("粘贴正在起草的段落，查找各地规划中最相近的表述；与草稿相同的措辞以黄色标出。")

draft = st.text_area("草稿段落", key="precedent_draft", height=140,
                     placeholder="在此粘贴正在起草的段落……")
c1, c2, c3 = st.columns([3, 1, 1])
sel_plans = c1.multiselect("在以下规划中查找", ctx.plan_ids(),
                           key=common.url_key("precedent_plans", "plan", ctx.plan_ids(), many=True),
                           format_func=ctx.plan_label, placeholder="全部规划")
top = c2.number_input("结果数", 1, 30, 8, key="precedent_top")
c3.write("")
c3.button("填入示例", on_click=_example, key="precedent_example")
st.button("查找先例", type="primary", key="precedent_go")

if not (draft or "").strip():
    st.info("请粘贴一段草稿文字，然后点击“查找先例”。")
    st.stop()

t0 = time.perf_counter()
try:
    found = common.memo("precedents", (ctx.index_fp, draft.strip(), tuple(sel_plans), int(top)),
                        lambda: find_precedents(ctx.engine, draft, top=int(top), plans=sel_plans or None))
except QueryError as exc:
    st.warning(str(exc))
    st.stop()
elapsed = time.perf_counter() - t0

if not found:
    st.warning("没有找到相近的段落。可以减少规划筛选，或换一种表述再试。")
    st.stop()

st.caption(f"找到 {len(found)} 段相近表述（用时 {elapsed:.2f} 秒）")
for i, p in enumerate(found, 1):
    h = p.hit
    with st.container(border=True):
        share = f"相同措辞占 {p.shared_share:.0%}" if p.shared else "无相同措辞（意思相近）"
        st.markdown(f"**{i}. {common.esc(h.plan_title)}** &nbsp; "
                    f"{common.tag(common.KIND_LABELS.get(h.kind, h.kind))}{common.tag(share)}",
                    unsafe_allow_html=True)
        # p.marked is HTML-escaped by the back end, with <mark> on the wording shared with the draft
        st.markdown(f'<div class="rs-text">{common.block(p.marked)}</div>'
                    + common.cite_html(h.plan_title, h.heading_path, h.line_start, h.line_end),
                    unsafe_allow_html=True)
        if p.shared:
            st.caption("相同措辞：" + "；".join(p.shared[:8]))
        with st.expander("上下文"):
            common.render_context(ctx, h.plan_id, h.heading_path, h.chunk_id)

st.divider()
rows = export_rows.precedent_rows(found)
common.download_buttons("先例",
                        lambda: writers.to_xlsx({"先例": rows}, columns=export_rows.PRECEDENT_COLUMNS),
                        lambda: writers.to_docx("起草先例", [
                            ("草稿", [{"草稿段落": draft}]),
                            ("相近表述", export_rows.relabel(rows, export_rows.PRECEDENT_COLUMNS))]),
                        key="precedent_export")
