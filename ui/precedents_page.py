"""先例: paste a draft (a sentence, a paragraph or a whole section); per paragraph, the passages of the plans
that write the same measures, grouped by plan (province first), with the draft clauses each covers,
what it adds and the shared wording marked."""
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
st.caption("粘贴正在起草的句子、段落或整节文字（有无编号、换行均可），逐段查找各地规划中写法相同的措施；"
           "与草稿相同的措辞以黄色标出，并列出每条先例覆盖的草稿分句和草稿没有的内容。")

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
    paragraphs = common.memo("precedents", (ctx.index_fp, draft.strip(), tuple(sel_plans), int(top)),
                             lambda: find_precedents(ctx.engine, draft, top=int(top), plans=sel_plans or None))
except QueryError as exc:
    st.warning(str(exc))
    st.stop()
elapsed = time.perf_counter() - t0

if not any(p.precedents for p in paragraphs):
    st.warning("没有找到相近的段落。可以减少规划筛选，或换一种表述再试。")
    st.stop()

st.caption(f"草稿共 {len(paragraphs)} 段，逐段查找先例；结果按规划分组，省级在前、市县在后（用时 {elapsed:.2f} 秒）")


def _precedent(i: int, p) -> None:
    h = p.hit
    with st.container(border=True):
        share = f"相同措辞占 {p.shared_share:.0%}" if p.shared else "无相同措辞（意思相近）"
        st.markdown(f"**{i}. {common.esc(h.plan_title)}** &nbsp; "
                    f"{common.tag(common.KIND_LABELS.get(h.kind, h.kind))}{common.tag(share)}"
                    f"{common.tag(f'覆盖草稿 {len(p.covers)}/{n_clauses} 句')}",
                    unsafe_allow_html=True)
        # p.marked is HTML-escaped by the back end, with <mark> on the wording shared with the draft
        st.markdown(f'<div class="rs-text">{common.block(p.marked)}</div>'
                    + common.cite_html(h.plan_title, h.heading_path, h.line_start, h.line_end),
                    unsafe_allow_html=True)
        if p.shared:
            st.caption("相同措辞：" + "；".join(p.shared[:8]))
        if p.covers:
            st.markdown("**覆盖的草稿分句：** " + "；".join(common.esc(c) for c in p.covers))
        if p.adds:
            st.markdown("**先例多出的内容（可供借鉴）：**\n" + "\n".join(f"- {common.esc(a)}" for a in p.adds))
        with st.expander("上下文"):
            common.render_context(ctx, h.plan_id, h.heading_path, h.chunk_id)


for n, para in enumerate(paragraphs, 1):
    n_clauses = len(para.clauses)
    if len(paragraphs) > 1:
        st.subheader(f"第 {n} 段")
        st.caption(para.text[:120] + ("…" if len(para.text) > 120 else ""))
    if not para.precedents:
        st.info("这一段没有找到相近的段落。")
    rank = 0
    for plan_id, group in para.groups():
        st.markdown(f"##### {common.esc(ctx.plan_label(plan_id))} · {len(group)} 段")
        for p in group:
            rank += 1
            _precedent(rank, p)

st.divider()
rows = export_rows.precedent_rows(paragraphs)
common.download_buttons("先例",
                        lambda: writers.to_xlsx({"先例": rows}, columns=export_rows.PRECEDENT_COLUMNS),
                        lambda: writers.to_docx("起草先例", [
                            ("草稿", [{"段落": n, "草稿段落": p.text} for n, p in enumerate(paragraphs, 1)]),
                            ("相近表述", export_rows.relabel(rows, export_rows.PRECEDENT_COLUMNS))]),
                        key="precedent_export")
