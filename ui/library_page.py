"""文库: every plan's outline and full text; add a plan by upload (parsed, then indexed)."""
import tempfile
import time
from pathlib import Path

import streamlit as st

import config
from corpus.adding import add_plan
from corpus.importer import PlanImportError
from corpus.loader import load_corpus
from search.export.rows import LEVEL_LABELS
from ui import common

ctx = common.get_context()
NO_PARENT = ""

st.title("文库")
flash = st.session_state.pop("library_flash", None)
if flash:
    st.success(common.esc(flash[0]))
    for w in flash[1]:
        st.warning(common.esc(w))

tab_browse, tab_add = st.tabs(["浏览规划", "添加规划"])

with tab_browse:
    ids = ctx.plan_ids() + [pid for pid in ctx.plans if pid not in ctx.plan_ids()]
    pending = st.session_state.pop("library_select_next", None)
    if pending in ids:
        st.session_state["library_plan"] = pending
    plan_id = st.selectbox("规划", ids, key=common.url_key("library_plan", "plan", ids),
                           format_func=ctx.plan_label)
    plan = ctx.plans[plan_id]
    info = plan.info
    parent = (ctx.plan_label(info.parent) if info.parent in ctx.plans
              else (f"{info.parent_name}（不在文库中）" if info.parent_name else "无"))
    meta = [("标题", info.title), ("地区", info.region), ("级别", LEVEL_LABELS.get(info.level, info.level)),
            ("上级", parent), ("发文机关", info.issuer), ("日期", info.date), ("文号", info.doc_number)]
    st.markdown("  \n".join(f"**{k}：** {common.esc(v)}" for k, v in meta if v))
    kinds = {k: sum(1 for c in plan.chunks if c.kind == k) for k in common.KIND_LABELS}
    st.caption(f"{len(plan.chapters)} 章 · "
               + " · ".join(f"{common.KIND_LABELS[k]} {n}" for k, n in kinds.items())
               + f" · 主要指标 {len(plan.indicators)} 行")
    if plan_id not in ctx.engine.plan_ids:
        st.warning("该规划尚未进入检索索引，刷新页面后将自动重建索引。")

    t_outline, t_text = st.tabs(["目录", "全文"])
    with t_outline:
        if not plan.chapters:
            st.info("未识别出章节结构。")
        for ch in plan.chapters:
            n = sum(1 for c in plan.chunks if c.heading_path[:1] == [ch.title])
            with st.expander(f"{common.esc(ch.title)}（第 {ch.line} 行 · {n} 段）"):
                if not ch.sections:
                    st.caption("本章无下级小节。")
                for s in ch.sections:
                    m = sum(1 for c in plan.chunks if c.heading_path[:2] == [ch.title, s.title])
                    st.markdown(f"- {common.esc(s.title)} "
                                f'<span class="rs-cite">第 {s.line} 行 · {m} 段</span>',
                                unsafe_allow_html=True)
    with t_text:
        try:
            text = (ctx.paths.plans_dir / info.file).read_text(encoding="utf-8")
        except OSError as exc:
            st.error(f"无法读取规划全文：{exc}")
        else:
            lines = text.splitlines()
            spans = common.outline_spans(plan, len(lines))
            choice = st.selectbox("范围", [None] + list(range(len(spans))), key=f"library_span_{plan_id}",
                                  format_func=lambda i: "全文" if i is None else spans[i][0])
            if choice is None:
                st.caption(f"{len(lines)} 行，{len(text)} 字")
                st.code(text, language=None, line_numbers=True, wrap_lines=True, height=600)
            else:
                title, a, b = spans[choice]
                st.caption(f"{common.lines_text(a, b)}")
                body = "".join(f'<div class="rs-ctx"><span class="rs-cite">{n}</span>&nbsp; '
                               f"{common.esc(lines[n - 1])}</div>" for n in range(a, b + 1)
                               if lines[n - 1].strip())
                with st.container(height=600):
                    st.markdown(body, unsafe_allow_html=True)

with tab_add:
    limit_mb = config.MAX_PLAN_BYTES // (1024 * 1024)
    st.markdown(f"上传 .txt（UTF-8 或 GB18030/GBK）、.docx 或含文字层的 .pdf，单个文件不超过 {limit_mb} MB。"
                "添加后自动解析并更新检索索引。")
    with st.form("add_plan_form", clear_on_submit=False):
        upload = st.file_uploader("规划文件", type=["txt", "docx", "pdf"], key="add_file")
        c1, c2 = st.columns(2)
        new_id = c1.text_input("编号", key="add_id", placeholder="如 quanzhou",
                               help="小写字母开头，2–40 位小写字母、数字、- 或 _")
        title = c2.text_input("标题", key="add_title", placeholder="如 泉州市人力资源和社会保障事业发展“十四五”规划")
        c3, c4, c5 = st.columns(3)
        level = c3.selectbox("行政级别", list(config.LEVELS), key="add_level",
                             format_func=lambda lv: LEVEL_LABELS.get(lv, lv))
        parent_id = c4.selectbox("上级规划", [NO_PARENT] + list(ctx.plans), key="add_parent",
                                 format_func=lambda pid: "（无）" if pid == NO_PARENT else ctx.plan_label(pid))
        region = c5.text_input("地区", key="add_region", placeholder="如 福建省泉州市")
        submitted = st.form_submit_button("添加到文库", type="primary")

    if submitted:
        if upload is None:
            st.error("请先选择要上传的规划文件。")
            st.stop()
        if upload.size > config.MAX_PLAN_BYTES:
            st.error(f"文件过大（{upload.size / 1024 / 1024:.1f} MB），上限 {limit_mb} MB。文库未作任何改动。")
            st.stop()
        suffix = Path(upload.name).suffix.lower()
        with common.corpus_lock():
            with st.status("正在添加规划……", expanded=True) as status:
                bar = st.progress(0.0, text="解析文件")
                try:
                    with tempfile.TemporaryDirectory(prefix="renshe-upload-") as tmp:
                        src = Path(tmp) / f"upload{suffix}"
                        src.write_bytes(upload.getvalue())
                        status.write("解析文本、章节与指标……")
                        added, warnings = add_plan(src, plan_id=new_id.strip(), title=title, level=level,
                                                   parent=parent_id, region=region,
                                                   corpus_dir=ctx.paths.corpus_dir)
                except PlanImportError as exc:
                    status.update(label="添加失败，文库未作任何改动", state="error", expanded=False)
                    st.error(f"无法添加该规划：{common.esc(exc)}")
                    st.stop()
                bar.progress(0.3, text="更新检索索引")
                status.write(f"已加入文库：{common.esc(added.title)}；正在更新检索索引……")
                t0 = time.perf_counter()
                try:
                    plans = load_corpus(ctx.paths.corpus_dir)
                    common.rebuild_index(ctx.paths, plans, common.status_logger(status, bar))
                except Exception as exc:  # the plan is in the corpus; the index is rebuilt on next load
                    status.update(label="规划已加入，但索引更新失败", state="error")
                    st.error(f"索引更新失败：{exc}。刷新页面时将自动重试。")
                    st.stop()
                bar.progress(1.0, text="完成")
                status.update(label=f"已添加并建立索引（{time.perf_counter() - t0:.1f} 秒）", state="complete")
        st.session_state["library_flash"] = (
            f"已添加“{added.title}”（编号 {added.id}），可在检索、对照等页面中使用。",
            [f"解析提示：{w}" for w in warnings])
        st.session_state["library_select_next"] = added.id
        st.rerun()
