"""Shared UI helpers: paths, cached heavy objects, labels, citations and HTML snippets.

Everything heavy (parsed plans, the search engine, the comparer) is loaded through
st.cache_resource with a *versioned* key (corpus files' stat signature, index
fingerprint), so a plan added through the library page is picked up by every
session on its next rerun without clearing other users' caches. There is no
module-level mutable state: per-session data lives in st.session_state only.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import streamlit as st

import config
from corpus.loader import load_corpus
from corpus.model import Chunk, Plan
from index.build import build_index, chunk_records, fingerprint, read_meta
from search.compare import Comparer
from search.engine import SearchEngine
from search.export.rows import LEVEL_LABELS

# ---------------------------------------------------------------- labels

KIND_LABELS = {"measure": "举措", "column": "专栏", "indicator": "指标", "text": "正文"}
PHASE_LABELS = {"plan": "十四五规划部署", "review": "十三五回顾与形势"}
MODE_LABELS = {"hybrid": "混合", "keyword": "关键词", "semantic": "语义"}
COMPARE_STATUS_COLORS = {"match": "#1a7f37", "weak": "#b35900", "none": "#6e7781"}
REVIEW_STATUS_COLORS = {"covered": "#1a7f37", "partial": "#b35900", "missing": "#cf222e"}

CSS = """
<style>
.rs-badge {display:inline-block; padding:0.1em 0.55em; border-radius:0.8em; color:#fff;
           font-size:0.85em; font-weight:600; margin-right:0.35em; white-space:nowrap;}
.rs-tag {display:inline-block; padding:0 0.45em; border-radius:0.4em; border:1px solid #d0d7de;
         font-size:0.8em; color:#57606a; margin-right:0.3em; white-space:nowrap;}
.rs-text {line-height:1.75; margin:0.2em 0 0.3em 0;}
.rs-text mark {background:#fff3a3; padding:0 0.1em; border-radius:0.15em;}
.rs-cite {color:#57606a; font-size:0.85em;}
.rs-silent {border:2px dashed #8c959f; border-radius:0.5em; padding:0.8em; color:#57606a;
            background:#f6f8fa; text-align:center;}
.rs-ctx {line-height:1.75; padding:0.15em 0.4em; border-left:3px solid transparent;}
.rs-ctx.rs-current {border-left-color:#0969da; background:#ddf4ff;}
</style>
"""


def inject_css() -> None:
    st.markdown(CSS, unsafe_allow_html=True)


# HTML's special characters, and those Markdown (with Streamlit's directives: :red[…], :material/…:,
# $math$) would read as structure, as numeric character references: they display as themselves in
# every context, and one pass never escapes an escape.
_INERT = {ord(c): f"&#{ord(c)};" for c in "&<>\"'\\`*_{}[]()#+-.!|~:$"}


def esc(text: object) -> str:
    """Plan text (or anything else not already escaped by the back end) made inert for st.markdown,
    captions and labels: <script>, **bold** or [link](javascript:…) show as the characters they are."""
    return str(text or "").translate(_INERT)


def block(escaped: str) -> str:
    """Escaped text made safe inside one HTML block: a blank line would end the block and let
    Markdown parse the rest, so line breaks become <br>."""
    return escaped.replace("\r", "").replace("\n", "<br>")


def badge(label: str, color: str) -> str:
    return f'<span class="rs-badge" style="background:{color}">{esc(label)}</span>'


def tag(label: str) -> str:
    return f'<span class="rs-tag">{esc(label)}</span>'


# ---------------------------------------------------------------- paths

@dataclass(frozen=True)
class Paths:
    corpus_dir: Path
    index_dir: Path
    cache_dir: Path

    @property
    def manifest(self) -> Path:
        return self.corpus_dir / "plans.toml"

    @property
    def plans_dir(self) -> Path:
        return self.corpus_dir / "plans"


def paths() -> Paths:
    """Corpus / index / embedding-cache locations, read from RENSHE_* at every run.

    config.py reads the same variables at import time; reading them here as well
    lets a test process point successive app runs at a temporary corpus.
    """
    env = os.environ
    return Paths(Path(env.get("RENSHE_CORPUS_DIR") or config.CORPUS_DIR),
                 Path(env.get("RENSHE_INDEX_DIR") or config.INDEX_DIR),
                 Path(env.get("RENSHE_EMBED_CACHE") or config.EMBED_CACHE_DIR))


def corpus_signature(p: Paths) -> str:
    """Cheap version key of the corpus: stat of the manifest and every plan file."""
    parts = []
    files = [p.manifest] + sorted(p.plans_dir.glob("*")) if p.plans_dir.is_dir() else [p.manifest]
    for f in files:
        try:
            s = f.stat()
            parts.append(f"{f.name}:{s.st_size}:{s.st_mtime_ns}")
        except OSError:
            parts.append(f"{f.name}:missing")
    return "|".join(parts)


# ---------------------------------------------------------------- cached resources

@st.cache_resource(show_spinner=False, max_entries=8)
def _load_plans(corpus_dir: str, signature: str) -> dict[str, Plan]:
    return {plan.id: plan for plan in load_corpus(Path(corpus_dir))}


@st.cache_resource(show_spinner=False, max_entries=8)
def _load_engine(index_dir: str, cache_dir: str, corpus_dir: str, index_fp: str) -> SearchEngine:
    engine = SearchEngine.load(Path(index_dir), Path(cache_dir), Path(corpus_dir),
                               log=lambda m: None)
    # Load the query encoder and the tokenizer's dictionary in the background, so the first page
    # shows at once and the first query does not pay for them (the encoder is behind a lock).
    threading.Thread(target=_warm_up, args=(engine,), name="renshe-warmup", daemon=True).start()
    return engine


def _warm_up(engine: SearchEngine) -> None:
    try:
        engine.search("就业", top=1)
    except Exception:  # noqa: BLE001 - best effort; real queries report their own errors
        pass


@st.cache_resource(show_spinner=False, max_entries=8)
def _load_comparer(index_dir: str, index_fp: str, signature: str, _engine: SearchEngine,
                   manifest_path: str) -> Comparer:
    return Comparer(_engine, Path(manifest_path))


@st.cache_resource(show_spinner=False, max_entries=16)
def _index_current(signature: str, index_fp: str, model: str, _plans: list[Plan]) -> bool:
    """Does the built index match the corpus (same fingerprint as a fresh build would have)?"""
    return fingerprint(chunk_records(_plans), model) == index_fp


@st.cache_resource(show_spinner=False)
def corpus_lock() -> threading.Lock:
    """One lock per server process, serialising corpus additions and index rebuilds."""
    return threading.Lock()


@dataclass
class Context:
    paths: Paths
    plans: dict[str, Plan]
    engine: SearchEngine
    signature: str
    index_fp: str

    def corpus_caption(self) -> str:
        """Sidebar line naming the corpus version this run works on."""
        return f"文库：{len(self.plans)} 份规划 · {len(self.engine.records)} 个检索单元"

    def index_caption(self) -> str:
        """Sidebar line naming the index version: when it was built, with which model."""
        built = str(self.engine.meta.get("built", "")).replace("T", " ")[:16]
        line = f"索引：{built} 构建 · 版本 {self.index_fp[:8]} · 模型 {self.engine.meta.get('model', '')}"
        pending = self.engine.meta.get("pending_windows", 0)
        return line + (f" · 新增内容的 e5 语义向量后台补全中（{pending} 段）" if pending else "")

    @property
    def comparer(self) -> Comparer:
        return _load_comparer(str(self.paths.index_dir), self.index_fp, self.signature,
                              self.engine, str(self.paths.manifest))

    def plan_ids(self) -> list[str]:
        """Indexed plans in hierarchy order (province, then its cities; orphans last)."""
        return [p["plan_id"] for p in self.comparer.plans]

    def plan_name(self, plan_id: str) -> str:
        plan = self.plans.get(plan_id)
        return (plan.info.region or plan.info.title) if plan else plan_id

    def plan_label(self, plan_id: str) -> str:
        plan = self.plans.get(plan_id)
        if not plan:
            return plan_id
        return f"{self.plan_name(plan_id)}（{LEVEL_LABELS.get(plan.info.level, plan.info.level)}）"

    def chunk(self, plan_id: str, chunk_id: str) -> Chunk | None:
        plan = self.plans.get(plan_id)
        if plan is None:
            return None
        return next((c for c in plan.chunks if c.chunk_id == chunk_id), None)


def rebuild_index(p: Paths, plans: list[Plan], log: Callable[[str], None], defer_embedding: bool = False) -> dict:
    """Incremental index build (embedding cache reused) for the given plans; defer_embedding: new
    text gets its primary-model (e5) vectors later, from complete_embedding (see build_index)."""
    return build_index(plans, p.index_dir, p.cache_dir, model=config.EMBED_MODEL, log=log,
                       defer_embedding=defer_embedding)


class EmbeddingJobs:
    """Background `python -m index build` processes that embed what a deferred build left and swap
    the complete index in (one per index; the build lock serialises it with other builds)."""

    RETRY_S = 60   # a job that exited is started again only after this long (a failing one must not loop)

    def __init__(self):
        self._lock = threading.Lock()
        self._jobs: dict[str, tuple[subprocess.Popen, float]] = {}

    def start(self, p: Paths) -> bool:
        """Start the job for p's index unless one runs (or exited moments ago); True when started."""
        key = str(p.index_dir)
        with self._lock:
            job = self._jobs.get(key)
            if job and (job[0].poll() is None or time.monotonic() - job[1] < self.RETRY_S):
                return False
            env = dict(os.environ, RENSHE_CORPUS_DIR=str(p.corpus_dir), RENSHE_INDEX_DIR=str(p.index_dir),
                       RENSHE_EMBED_CACHE=str(p.cache_dir))
            p.index_dir.parent.mkdir(parents=True, exist_ok=True)
            with open(p.index_dir.parent / f".{p.index_dir.name}.embedding.log", "ab") as out:
                # niced: searches keep the cores first while it embeds
                proc = subprocess.Popen(["nice", "-n", "10", sys.executable, "-m", "index", "build"],
                                        cwd=config.ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                        stderr=subprocess.STDOUT, start_new_session=True)
            self._jobs[key] = (proc, time.monotonic())
            return True


@st.cache_resource(show_spinner=False)
def embedding_jobs() -> EmbeddingJobs:
    """The server process's background embedding jobs."""
    return EmbeddingJobs()


def status_logger(status, progress) -> Callable[[str], None]:
    """A build_index log callback writing to an st.status box and an st.progress bar."""
    def log(msg: str) -> None:
        if msg.startswith("embedding "):
            try:
                done, total = (int(x) for x in msg.split()[1].split("/"))
                progress.progress(min(1.0, done / max(1, total)), text=f"向量化 {done}/{total}")
                return
            except ValueError:
                pass
        status.write(esc(msg))
    return log


def get_context() -> Context:
    """Plans, engine and index for this run; builds a missing or stale index with progress.

    The index is read from the build its symlink points at when the run starts, so a rebuild
    finishing meanwhile never gives one run the chunk table of one build and vectors of another."""
    p = paths()
    sig = corpus_signature(p)
    plans = _load_plans(str(p.corpus_dir), sig)

    def current_build() -> tuple[Path, dict | None, bool]:
        version = p.index_dir.resolve()
        meta = read_meta(version)
        fresh = meta is not None and _index_current(sig, meta.get("fingerprint", ""),
                                                    config.EMBED_MODEL, list(plans.values()))
        return version, meta, fresh

    version, meta, fresh = current_build()
    if not fresh:
        with corpus_lock():
            version, meta, fresh = current_build()
            if not fresh:
                why = "索引尚未建立" if meta is None else "语料已更新，索引需要重建"
                with st.status(f"{why}，正在构建检索索引…", expanded=True) as status:
                    bar = st.progress(0.0, text="准备中")
                    t0 = time.perf_counter()
                    rebuild_index(p, list(plans.values()), status_logger(status, bar))
                    bar.progress(1.0, text="完成")
                    status.update(label=f"索引已构建（{time.perf_counter() - t0:.1f} 秒）",
                                  state="complete", expanded=False)
                version, meta, fresh = current_build()
    if meta is None:
        st.error("无法构建检索索引，请检查语料目录与磁盘空间后刷新页面。")
        st.stop()
    if meta.get("pending_windows"):   # a deferred build: finish it in the background (again, after a restart)
        embedding_jobs().start(p)
    fp = meta["fingerprint"]
    with st.spinner("正在加载检索引擎…"):
        engine = _load_engine(str(version), str(p.cache_dir), str(p.corpus_dir), fp)
    return Context(p, plans, engine, sig, fp)


# ---------------------------------------------------------------- citations and context

def heading_text(path: list[str]) -> str:
    return " › ".join(x for x in path if x) or "（前言）"


def lines_text(a: int, b: int) -> str:
    return f"第 {a} 行" if a == b else f"第 {a}–{b} 行"


def citation(plan_title: str, heading_path: list[str], a: int, b: int) -> str:
    return f"《{plan_title}》 {heading_text(heading_path)} · {lines_text(a, b)}"


def cite_html(plan_title: str, heading_path: list[str], a: int, b: int) -> str:
    return f'<div class="rs-cite">{esc(citation(plan_title, heading_path, a, b))}</div>'


def section_chunks(plan: Plan, heading_path: list[str]) -> list[Chunk]:
    """All chunks of a plan in the same section as a hit (same heading_path[:2]), in text order."""
    key = list(heading_path[:2])
    return sorted((c for c in plan.chunks if list(c.heading_path[:2]) == key),
                  key=lambda c: (c.line_start, c.line_end))


def render_context(ctx: Context, plan_id: str, heading_path: list[str], current_chunk: str) -> None:
    """The whole section around a hit, escaped, with the hit itself highlighted."""
    plan = ctx.plans.get(plan_id)
    if plan is None:
        st.caption("该规划已不在文库中。")
        return
    chunks = section_chunks(plan, heading_path)
    if not chunks:
        st.caption("未找到该节的其他内容。")
        return
    st.caption(f"{esc(heading_text(list(heading_path[:2])))}（共 {len(chunks)} 段）")
    parts = []
    for c in chunks:
        cls = "rs-ctx rs-current" if c.chunk_id == current_chunk else "rs-ctx"
        sub = f"{tag(c.heading_path[2])} " if len(c.heading_path) > 2 else ""
        parts.append(f'<div class="{cls}">{sub}{block(esc(c.text))} '
                     f'<span class="rs-cite">（{lines_text(c.line_start, c.line_end)}）</span></div>')
    st.markdown("\n".join(parts), unsafe_allow_html=True)


def outline_spans(plan: Plan, n_lines: int) -> list[tuple[str, int, int]]:
    """(title, first line, last line) of every chapter and section, for reading one at a time."""
    heads = []
    for ch in plan.chapters:
        heads.append((ch.title, ch.line, 0))
        heads += [(f"{ch.title} › {s.title}", s.line, 1) for s in ch.sections]
    starts = sorted({line for _, line, _ in heads})
    out = []
    for title, line, depth in heads:
        if depth == 0:  # a chapter runs to the next chapter
            nxt = [c.line for c in plan.chapters if c.line > line]
        else:           # a section runs to the next heading of any level
            nxt = [x for x in starts if x > line]
        out.append((title, line, (min(nxt) - 1) if nxt else n_lines))
    return out


def memo(name: str, key: tuple, compute: Callable[[], object]):
    """Per-session memo of the last result of an expensive call (kept in st.session_state)."""
    slot = f"_memo_{name}"
    cached = st.session_state.get(slot)
    if cached is not None and cached[0] == key:
        return cached[1]
    value = compute()
    st.session_state[slot] = (key, value)
    return value


def safe_stem(text: str) -> str:
    """A file-name stem without path separators or characters browsers reject."""
    return re.sub(r'[\\/:*?"<>|\s]+', "_", text).strip("_")[:60] or "export"


def download_buttons(stem: str, xlsx: Callable[[], bytes], docx: Callable[[], bytes], key: str) -> None:
    """Excel and Word download buttons side by side."""
    stem = safe_stem(stem)
    c1, c2, _ = st.columns([1, 1, 4])
    c1.download_button("导出 Excel", data=xlsx(), file_name=f"{stem}.xlsx", key=f"{key}_xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       on_click="ignore", icon=":material/table:")
    c2.download_button("导出 Word", data=docx(), file_name=f"{stem}.docx", key=f"{key}_docx",
                       mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                       on_click="ignore", icon=":material/description:")


# ---------------------------------------------------------------- shareable addresses

def url_key(key: str, param: str, choices=None, *, many: bool = False,
            tokens: dict[str, object] | None = None, default=None) -> str:
    """Bind the widget with session-state `key` to the URL query parameter `param`; returns `key`,
    so a widget reads `st.selectbox(..., key=common.url_key("review_plan", "plan", ids))`.

    When the address differs from what this session last wrote into it (a link was just opened,
    pasted or gone back to), the address wins and sets the widget; otherwise the widget's value is
    written back, so the address always reproduces what is on screen. `choices` lists the valid
    values (a link naming anything else is ignored with a notice), `tokens` maps URL tokens to
    widget values (mode=hybrid ↔ "混合"), `many` binds a multiselect to a repeated parameter, and a
    value equal to `default` (or empty) is left out of the address."""
    tokens = tokens or {}
    to_token = {v: t for t, v in tokens.items()}
    slot = f"_url_{key}"
    in_url = st.query_params.get_all(param)
    if in_url != st.session_state.get(slot, []):
        values = [tokens.get(r, r) for r in in_url]
        valid = [v for v in values if choices is None or v in choices]
        if len(valid) < len(values):
            st.toast(f"链接中的参数 {param}={'、'.join(in_url)} 含无效值，已忽略。", icon=":material/link_off:")
        if valid:
            st.session_state[key] = valid if many else valid[0]
        else:
            st.session_state.pop(key, None)
    value = st.session_state.get(key)
    shown = [str(to_token.get(v, v)) for v in ([] if value is None else value if many else [value])
             if v != default and str(v).strip()]
    if shown != in_url:
        if shown:
            st.query_params[param] = shown if many else shown[0]
        else:
            del st.query_params[param]
    st.session_state[slot] = shown
    return key
