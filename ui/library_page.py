"""文库: every plan's outline and full text; add plans by upload. The metadata read from each
file is shown for confirmation, with the structure report, before anything is written."""
import hashlib
import tempfile
import time
from pathlib import Path

import pandas as pd
import streamlit as st

import config
from corpus.adding import add_batch, commit_plan, prepare_plan, read_with_proposal
from corpus.importing import PlanImportError
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
            st.error(f"无法读取规划全文：{common.esc(exc)}")
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


def _report_view(report) -> None:
    """The structure report: counts in one line, warnings below."""
    st.markdown("**识别结果：** " + common.esc(report.summary()))
    for w in report.warnings:
        st.warning(common.esc(w))


def _reindex(status, bar) -> bool:
    """Rebuild the index after an addition, the slow e5 embedding of the new text deferred to a
    background job; False (with a message) when it failed."""
    try:
        plans = load_corpus(ctx.paths.corpus_dir)
        built = common.rebuild_index(ctx.paths, plans, common.status_logger(status, bar), defer_embedding=True)
    except Exception as exc:  # the plans are in the corpus; the index is rebuilt on next load
        status.update(label="规划已加入，但索引更新失败", state="error")
        st.error(f"索引更新失败：{common.esc(exc)}。刷新页面时将自动重试。")
        return False
    if built.get("pending_windows"):
        common.embedding_jobs().start(ctx.paths)
        status.write(f"新内容已可按关键词和 USE 语义检索；其 {built['pending_windows']} 段的 e5 语义向量正在后台补全，"
                     "完成后自动生效。")
    return True


def _read_upload(upload) -> dict:
    """Read an uploaded file and propose its metadata; raises PlanImportError."""
    suffix = Path(upload.name).suffix.lower()
    with tempfile.TemporaryDirectory(prefix="renshe-upload-") as tmp:
        src = Path(tmp) / f"upload{suffix}"
        src.write_bytes(upload.getvalue())
        imported, proposal = read_with_proposal(src, ctx.paths.corpus_dir)
    return {"name": upload.name, "digest": hashlib.sha1(upload.getvalue()).hexdigest(),
            "imported": imported, "proposal": proposal}


def _single_add() -> None:
    """Upload one file → read it and show what was found → the user confirms or corrects."""
    with st.form("add_plan_form", clear_on_submit=False):
        upload = st.file_uploader("规划文件", type=["txt", "docx", "pdf"], key="add_file")
        read = st.form_submit_button("读取文件并识别信息", type="primary")
    if read:
        if upload is None:
            st.error("请先选择要上传的规划文件。")
            return
        if upload.size > config.MAX_PLAN_BYTES:
            st.error(f"文件过大（{upload.size / 1024 / 1024:.1f} MB），上限 {limit_mb} MB。文库未作任何改动。")
            return
        try:
            with st.spinner("正在读取文件……"):
                pending = _read_upload(upload)
        except PlanImportError as exc:
            st.session_state.pop("add_pending", None)
            st.error(f"无法读取该文件，文库未作任何改动：{common.esc(exc)}")
            return
        st.session_state["add_pending"] = pending
        prop = pending["proposal"]
        for key, value in (("add_id", prop.plan_id), ("add_title", prop.title), ("add_region", prop.region),
                           ("add_issuer", prop.issuer), ("add_date", prop.date), ("add_doc", prop.doc_number)):
            st.session_state[key] = value
        st.session_state["add_level"] = prop.level if prop.level in config.LEVELS else config.LEVELS[0]
        st.session_state["add_parent"] = prop.parent if prop.parent in ctx.plans else NO_PARENT
        st.session_state["add_parent_name"] = prop.parent_name
    pending = st.session_state.get("add_pending")
    if not pending:
        return
    prop = pending["proposal"]
    st.subheader(f"确认规划信息：{common.esc(pending['name'])}")
    st.caption("以下信息读取自文件本身，请核对并修改后确认；确认前文库不会有任何改动。")
    for note in prop.notes:
        st.info(common.esc(note))
    with st.form("add_confirm_form"):
        c1, c2 = st.columns([1, 3])
        new_id = c1.text_input("编号", key="add_id", help="小写字母开头，2–40 位小写字母、数字、- 或 _")
        title = c2.text_input("标题", key="add_title")
        c3, c4, c5 = st.columns(3)
        level = c3.selectbox("行政级别", list(config.LEVELS), key="add_level",
                             format_func=lambda lv: LEVEL_LABELS.get(lv, lv))
        parent_id = c4.selectbox("上级规划", [NO_PARENT] + list(ctx.plans), key="add_parent",
                                 format_func=lambda pid: "（无）" if pid == NO_PARENT else ctx.plan_label(pid))
        region = c5.text_input("地区", key="add_region")
        c6, c7, c8 = st.columns(3)
        issuer = c6.text_input("发文机关", key="add_issuer")
        date = c7.text_input("日期", key="add_date", placeholder="YYYY-MM-DD")
        doc_number = c8.text_input("文号", key="add_doc")
        flat_ok = st.checkbox("文件中未识别出章节时仍然添加", key="add_flat_ok")
        confirmed = st.form_submit_button("确认添加到文库", type="primary")
    try:
        preview = prepare_plan(pending["imported"], plan_id=new_id, title=title, level=level, parent=parent_id,
                               region=region, corpus_dir=ctx.paths.corpus_dir, issuer=issuer, date=date,
                               doc_number=doc_number, parent_name=st.session_state.get("add_parent_name", ""))
    except PlanImportError as exc:
        preview = None
        problem = str(exc)
    _preview_report(pending) if preview is None else _report_view(preview.report)
    if not confirmed:
        return
    if preview is None:
        st.error(f"无法添加该规划，文库未作任何改动：{common.esc(problem)}")
        return
    if not preview.plan.chapters and not flat_ok:
        st.error("文件中未识别出章节标题，不像一份规划。如确认要添加，请勾选“仍然添加”后再确认。文库未作任何改动。")
        return
    with common.corpus_lock():
        with st.status("正在添加规划……", expanded=True) as status:
            bar = st.progress(0.0, text="写入文库")
            try:
                added = commit_plan(preview, ctx.paths.corpus_dir)
            except PlanImportError as exc:
                status.update(label="添加失败，文库未作任何改动", state="error", expanded=False)
                st.error(f"无法添加该规划：{common.esc(exc)}")
                return
            bar.progress(0.3, text="更新检索索引")
            status.write(f"已加入文库：{common.esc(added.title)}；正在更新检索索引……")
            t0 = time.perf_counter()
            if not _reindex(status, bar):
                return
            bar.progress(1.0, text="完成")
            status.update(label=f"已添加并建立索引（{time.perf_counter() - t0:.1f} 秒）", state="complete")
    st.session_state.pop("add_pending", None)
    st.session_state["library_flash"] = (
        f"已添加“{added.title}”（编号 {added.id}）：{preview.report.summary()}。可在检索、对照等页面中使用。",
        preview.report.warnings)
    st.session_state["library_select_next"] = added.id
    st.rerun()


def _preview_report(pending) -> None:
    """The structure report of a pending file whose metadata is not valid yet."""
    prop = pending["proposal"]
    try:
        draft = prepare_plan(pending["imported"], plan_id="preview", title=prop.title or "（未命名）",
                             level=config.LEVELS[0], corpus_dir=ctx.paths.corpus_dir)
    except PlanImportError:
        return
    _report_view(draft.report)


def _batch_add() -> None:
    """Several files: each is read, shown, then added or refused on its own; a summary at the end."""
    uploads = st.file_uploader("规划文件（可多选）", type=["txt", "docx", "pdf"], accept_multiple_files=True,
                               key="add_files")
    if not uploads:
        return
    too_big = [u.name for u in uploads if u.size > config.MAX_PLAN_BYTES]
    if too_big:
        st.error(f"以下文件超过 {limit_mb} MB，不会添加：{common.esc('、'.join(too_big))}")
    uploads = [u for u in uploads if u.size <= config.MAX_PLAN_BYTES]
    if not st.button(f"添加这 {len(uploads)} 个文件", type="primary", key="add_batch_go"):
        st.caption("每个文件的标题、地区、级别和上级规划将从文件中自动识别；识别不全或不像规划的文件不会添加。")
        return
    with common.corpus_lock():
        with st.status("正在逐个添加……", expanded=True) as status:
            bar = st.progress(0.0, text="读取文件")
            with tempfile.TemporaryDirectory(prefix="renshe-batch-") as tmp:
                files = []
                for k, u in enumerate(uploads):
                    folder = Path(tmp) / str(k)
                    folder.mkdir()
                    files.append(folder / Path(u.name).name)
                    files[-1].write_bytes(u.getvalue())

                def progress(k, n, src):
                    bar.progress(0.7 * k / max(1, n), text=f"添加 {k}/{n}" + (f"：{src.name}" if k < n else ""))
                results = add_batch(files, corpus_dir=ctx.paths.corpus_dir, progress=progress)
            added = [r for r in results if not r.error]
            if added:
                bar.progress(0.7, text="更新检索索引")
                if not _reindex(status, bar):
                    return
            bar.progress(1.0, text="完成")
            status.update(label=f"已添加 {len(added)} 个，未添加 {len(results) - len(added)} 个",
                          state="complete" if added else "error")
    rows = [{"文件": r.source.name, "结果": "未添加" if r.error else "已添加",
             "编号": r.info.id if r.info else "", "标题": r.info.title if r.info else "",
             "章": r.report.chapters if r.report else None, "节": r.report.sections if r.report else None,
             "“十四五”指标行": r.report.indicators_14th if r.report else None,
             "说明": r.error.split(" / ")[0] if r.error else "；".join(r.report.warnings)} for r in results]
    st.dataframe(pd.DataFrame(rows), hide_index=True)
    st.caption("刷新页面即可在各页面中使用新添加的规划。")


with tab_add:
    limit_mb = config.MAX_PLAN_BYTES // (1024 * 1024)
    st.markdown(f"上传 .txt（UTF-8 或 GB18030/GBK）、.docx 或含文字层的 .pdf，单个文件不超过 {limit_mb} MB。"
                "标题、地区、级别、上级规划、文号、发文机关和日期从文件中自动识别，确认后解析并更新检索索引。")
    one, many = st.tabs(["单个文件", "批量添加"])
    with one:
        _single_add()
    with many:
        _batch_add()
