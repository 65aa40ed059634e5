"""The Streamlit app, driven through streamlit.testing.v1.AppTest against a real index.

A copy of the corpus and a freshly built index live in a temporary directory; the
app is pointed at them through RENSHE_CORPUS_DIR / RENSHE_INDEX_DIR / RENSHE_EMBED_CACHE,
so tests that add plans never touch the shipped corpus.
"""
from __future__ import annotations

import html
import os
import shutil
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import config
from corpus.loader import load_corpus
from index.build import build_index, read_meta

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
TIMEOUT = 120
PLAN_NAMES = ["福建省", "福建省厦门市", "福建省泉州市晋江市", "海南省", "湖北省鄂州市"]
STATUS_LABELS = ("有相关措施", "仅有提及", "未涉及")


def _copy_corpus(dst: Path) -> Path:
    dst.mkdir(parents=True)
    shutil.copy2(ROOT / "corpus" / "plans.toml", dst / "plans.toml")
    shutil.copytree(ROOT / "corpus" / "plans", dst / "plans")
    for f in (dst / "plans").iterdir():  # shipped plan files are read-only
        f.chmod(0o644)
    return dst


@pytest.fixture(scope="session")
def app_env(tmp_path_factory) -> dict[str, str]:
    """A temporary corpus copy with its own index (built once per session)."""
    root = tmp_path_factory.mktemp("app")
    corpus = _copy_corpus(root / "corpus")
    cache = root / "embed_cache"
    if Path(config.EMBED_CACHE_DIR).is_dir():  # reuse computed embeddings when available
        shutil.copytree(config.EMBED_CACHE_DIR, cache)
    index = root / "index"
    build_index(load_corpus(corpus), index, cache, model=config.EMBED_MODEL, log=lambda m: None)
    return {"RENSHE_CORPUS_DIR": str(corpus), "RENSHE_INDEX_DIR": str(index),
            "RENSHE_EMBED_CACHE": str(cache)}


@pytest.fixture
def private_env(app_env, tmp_path) -> dict[str, str]:
    """A writable copy of the session corpus and index, for tests that add plans."""
    corpus = _copy_corpus(tmp_path / "corpus")
    index_parent = tmp_path / "ix"
    shutil.copytree(Path(app_env["RENSHE_INDEX_DIR"]).parent, index_parent, symlinks=True)
    return {"RENSHE_CORPUS_DIR": str(corpus), "RENSHE_INDEX_DIR": str(index_parent / "index"),
            "RENSHE_EMBED_CACHE": str(index_parent / "embed_cache")}


def _start(env: dict[str, str], monkeypatch) -> AppTest:
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    _ok(at)
    return at


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


@pytest.fixture
def app(app_env, monkeypatch) -> AppTest:
    return _start(app_env, monkeypatch)


def _page(at: AppTest, name: str) -> AppTest:
    at.switch_page(f"ui/{name}_page.py").run()
    _ok(at)
    return at


def _markdown(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown]


def _text(at: AppTest) -> str:
    return "\n".join(_markdown(at) + [c.value for c in at.caption])


def _corpus_state(corpus_dir: str) -> tuple[bytes, list[str]]:
    d = Path(corpus_dir)
    return (d / "plans.toml").read_bytes(), sorted(p.name for p in (d / "plans").iterdir())


# ------------------------------------------------------------------ 检索

def test_search_page_opens_with_prompt(app):
    assert any("请输入检索词" in i.value for i in app.info)
    assert any("5 份规划" in c.value for c in app.sidebar.caption)
    assert not app.error


def test_search_shows_highlighted_hits_with_citations(app):
    app.text_input(key="search_query").input("根治欠薪").run()
    _ok(app)
    md = _markdown(app)
    hits = [m for m in md if m.startswith('<div class="rs-text">')]
    assert len(hits) == 10
    assert any("<mark>欠薪</mark>" in h or "<mark>根治欠薪</mark>" in h for h in hits)
    cites = [m for m in md if m.startswith('<div class="rs-cite">')]
    assert any("根治欠薪" in c and "行" in c for c in cites)   # heading path and line numbers
    assert any(e.label == "查看上下文（整节）" for e in app.expander)
    # the context of a hit holds the whole section, the hit itself marked as current
    assert any("rs-ctx rs-current" in m for m in md)


def test_search_filters_restrict_plan_and_kind(app):
    app.multiselect(key="search_plans").set_value(["jinjiang"])
    app.multiselect(key="search_kinds").set_value(["measure"])
    app.text_input(key="search_query").input("技能人才").run()
    _ok(app)
    titles = [m for m in _markdown(app) if m.startswith("**") and ". " in m]
    assert titles and all("晋江市" in t and ">举措<" in t for t in titles)


def test_search_empty_query_prompts(app):
    app.text_input(key="search_query").input("根治欠薪").run()
    app.text_input(key="search_query").input("   ").run()
    _ok(app)
    assert any("请输入检索词" in i.value for i in app.info)
    assert not app.error and not app.warning


def test_search_no_results_suggests_semantic_mode(app):
    app.radio(key="search_mode").set_value("关键词")
    app.text_input(key="search_query").input("火星殖民").run()
    _ok(app)
    assert any("没有找到" in w.value for w in app.warning)
    assert "语义检索" in _text(app)
    app.button(key="search_to_semantic").click().run()
    _ok(app)
    assert app.radio(key="search_mode").value == "语义"
    assert not app.warning


def test_hybrid_search_flags_results_that_hold_no_query_word(app):
    app.text_input(key="search_query").input("火星殖民").run()
    _ok(app)
    assert any("意思最接近" in i.value for i in app.info)
    assert [m for m in _markdown(app) if m.startswith('<div class="rs-text">')]
    app.text_input(key="search_query").input("根治欠薪").run()
    assert not any("意思最接近" in i.value for i in app.info)


def test_search_example_button_runs_query(app):
    app.button(key="search_ex_技工院校").click().run()
    _ok(app)
    assert app.text_input(key="search_query").value == "技工院校"
    assert any("<mark>技工院校</mark>" in m for m in _markdown(app))


# ------------------------------------------------------------------ 对照

def _plan_header_positions(md: list[str]) -> list[int]:
    heads = [i for i, m in enumerate(md) if m.startswith("**") and "<br>" in m]
    return heads


def test_compare_gensi_qianxin_shows_all_plans_with_status(app):
    _page(app, "compare")
    assert any("请输入政策主题" in i.value for i in app.info)
    app.button(key="compare_ex_根治欠薪").click().run()
    _ok(app)
    md = _markdown(app)
    heads = _plan_header_positions(md)
    names = [md[i].split("**")[1] for i in heads]
    assert names == PLAN_NAMES                      # hierarchy order
    for i in heads:                                 # a status badge right under each plan name
        badge = md[i + 1]
        assert 'class="rs-badge"' in badge and any(s in badge for s in STATUS_LABELS)
    # the plans with wage-arrears measures show them, with citations (plan, section, lines)
    measures = [m for m in md if m.startswith('<div class="rs-text">')]
    assert measures and any("欠薪" in m or "工资" in m for m in measures)
    assert any("《晋江市" in m and "第 " in m for m in md if 'class="rs-cite"' in m)
    labels = [b.label for b in app.get("download_button")]
    assert labels == ["导出 Excel", "导出 Word"]


def test_compare_marks_silent_plans(app):
    _page(app, "compare")
    app.text_input(key="compare_theme").input("海峡两岸").run()
    _ok(app)
    md = _markdown(app)
    silent = [m for m in md if "rs-silent" in m and "未涉及" in m]
    badges = [m for m in md if m.startswith('<span class="rs-badge"') and "未涉及" in m]
    assert silent and len(silent) == len(badges)
    names = [md[i].split("**")[1] for i in _plan_header_positions(md)]
    assert names == PLAN_NAMES                      # silent plans keep their column


def test_compare_scope_lines_up_a_province_with_its_cities_and_counties(app, monkeypatch):
    _page(app, "compare")
    app.multiselect(key="compare_scope").set_value(["fujian"]).run()
    app.text_input(key="compare_theme").input("根治欠薪").run()
    _ok(app)
    md = _markdown(app)
    assert [md[i].split("**")[1] for i in _plan_header_positions(md)] == PLAN_NAMES[:3]
    app.multiselect(key="compare_scope").set_value([]).run()
    assert any("对照范围" in i.value for i in app.info) and not _plan_header_positions(_markdown(app))


def test_a_large_corpus_starts_the_comparison_with_its_first_province(app_env, monkeypatch):
    monkeypatch.setattr(config, "COMPARE_ALL_PLANS_MAX", 2)
    at = _page(_start(app_env, monkeypatch), "compare")
    at.text_input(key="compare_theme").input("根治欠薪").run()
    _ok(at)
    md = _markdown(at)
    assert [md[i].split("**")[1] for i in _plan_header_positions(md)] == PLAN_NAMES[:3]


def test_a_wide_scope_is_grouped_by_province_in_rows(app, monkeypatch):
    monkeypatch.setattr(config, "COMPARE_ROW_PLANS", 2)
    _page(app, "compare")
    app.button(key="compare_ex_根治欠薪").click().run()
    _ok(app)
    md = _markdown(app)
    assert [md[i].split("**")[1] for i in _plan_header_positions(md)] == PLAN_NAMES   # order kept
    heads = [h.value for h in app.subheader]
    assert len(heads) == 3 and heads[0].startswith("福建省") and "3 份规划" in heads[0]
    assert "1 份规划" in heads[1] and "1 份规划" in heads[2]


# ------------------------------------------------------------------ 先例

def test_precedents_marks_shared_wording_and_filters_plans(app):
    _page(app, "precedents")
    assert any("请粘贴" in i.value for i in app.info)
    app.button(key="precedent_example").click().run()
    _ok(app)
    passages = [m for m in _markdown(app) if m.startswith('<div class="rs-text">')]
    assert passages and any("<mark>" in p for p in passages)
    assert any("相同措辞" in m for m in _markdown(app))
    app.multiselect(key="precedent_plans").set_value(["hainan"])
    app.button(key="precedent_go").click().run()
    _ok(app)
    titles = [m for m in _markdown(app) if m.startswith("**") and ". " in m]
    assert titles and all("海南省" in t for t in titles)


# ------------------------------------------------------------------ 审查

def test_review_xiamen_against_fujian(app):
    _page(app, "review")
    app.selectbox(key="review_plan").set_value("xiamen").run()
    _ok(app)
    assert not app.error
    assert "福建省“十四五”人力资源和社会保障事业发展专项规划" in _text(app)
    metrics = {m.label: m.value for m in app.metric}
    for label in ("已覆盖", "部分覆盖", "未覆盖", "上级措施", "本地特色举措"):
        assert label in metrics
    total = int(metrics["上级措施"])
    assert total > 0
    assert sum(int(metrics[k]) for k in ("已覆盖", "部分覆盖", "未覆盖")) == total
    # indicator comparison with verdicts
    ind = next(df.value for df in app.dataframe if "结论" in df.value.columns and "上级指标" in df.value.columns)
    assert "城镇登记失业率" in set(ind["上级指标"])
    assert set(ind["结论"]) <= {"一致", "更严格", "更宽松", "口径不同", "缺失"}
    assert len(set(ind["结论"])) >= 2
    cov = next(df.value for df in app.dataframe if "上级措施" in df.value.columns)
    assert set(cov["结论"]) <= {"未覆盖", "部分覆盖"}      # default view: the gaps
    labels = [b.label for b in app.get("download_button")]
    assert labels == ["导出 Excel", "导出 Word"]


def test_review_ezhou_explains_missing_parent(app):
    _page(app, "review")
    app.selectbox(key="review_plan").set_value("ezhou").run()
    _ok(app)
    assert app.error and "湖北省" in app.error[0].value and "不在文库中" in app.error[0].value
    assert not app.metric
    # choosing a plan to compare against explicitly still works
    app.selectbox(key="review_against").set_value("hainan").run()
    _ok(app)
    assert not app.error and app.metric


# ------------------------------------------------------------------ 指标

def test_indicators_table_filter_and_chart(app):
    _page(app, "indicators")
    table = app.dataframe[0].value
    assert {"类别", "指标", "福建省", "湖北省鄂州市"} <= set(table.columns)
    assert "城镇登记失业率" in set(table["指标"])
    row = table[table["指标"] == "城镇登记失业率"].iloc[0]
    assert "<5" in row["福建省"] and "%" in row["福建省"]
    assert app.get("vega_lite_chart"), "a chart of the comparable (percentage) targets"
    assert app.multiselect(key="ind_chart").value       # some comparable indicators pre-selected
    app.text_input(key="ind_keyword").input("失业率").run()
    _ok(app)
    filtered = app.dataframe[0].value
    assert len(filtered) >= 1 and all("失业" in k for k in filtered["指标"])
    app.multiselect(key="ind_cats").set_value(["劳动关系"])
    app.text_input(key="ind_keyword").input("").run()
    _ok(app)
    assert set(app.dataframe[0].value["类别"]) == {"劳动关系"}


# ------------------------------------------------------------------ 文库

def test_library_shows_outline_and_full_text(app):
    _page(app, "library")
    chapters = [e.label for e in app.expander]
    assert any(label.startswith("第一章") for label in chapters)          # fujian first
    app.selectbox(key="library_plan").set_value("ezhou").run()
    _ok(app)
    assert any("（第 " in e.label and "段）" in e.label for e in app.expander)
    code = app.code[0].value
    assert code.startswith(Path(ROOT / "corpus" / "plans" / "ezhou.txt").read_text(encoding="utf-8")[:30])
    assert "湖北省（不在文库中）" in _text(app)
    # read one chapter at a time, with the plan's own line numbers
    app.selectbox(key="library_span_ezhou").set_value(0).run()
    _ok(app)
    first_chapter = [e.label for e in app.expander][0].split("（第 ")[0]
    block = next(m for m in _markdown(app) if m.startswith('<div class="rs-ctx">'))
    assert first_chapter in block and '<span class="rs-cite">' in block


def _upload(at: AppTest, name: str, data: bytes, plan_id: str, title: str = "测试规划") -> AppTest:
    """Upload, read the file (the metadata it yields is shown), correct it and confirm."""
    _page(at, "library")
    at.file_uploader(key="add_file").set_value((name, data, "text/plain"))
    at.form_submit_button[0].click().run()
    if at.error:
        return at
    at.text_input(key="add_id").input(plan_id)
    at.text_input(key="add_title").input(title)
    at.selectbox(key="add_level").set_value("prefecture-level city")
    at.form_submit_button[1].click().run()
    return at


def test_bad_upload_empty_file_changes_nothing(private_env, monkeypatch):
    at = _start(private_env, monkeypatch)
    before = _corpus_state(private_env["RENSHE_CORPUS_DIR"])
    _upload(at, "empty.txt", b"", "newcity")
    _ok(at)
    assert at.error and "文件为空" in at.error[0].value
    assert _corpus_state(private_env["RENSHE_CORPUS_DIR"]) == before


def test_bad_upload_invalid_id_changes_nothing(private_env, monkeypatch):
    at = _start(private_env, monkeypatch)
    before = _corpus_state(private_env["RENSHE_CORPUS_DIR"])
    text = (ROOT / "corpus" / "plans" / "xiamen.txt").read_bytes()
    _upload(at, "plan.txt", text, "bad/id")
    _ok(at)
    assert at.error and "规划编号" in at.error[0].value
    assert _corpus_state(private_env["RENSHE_CORPUS_DIR"]) == before


def test_upload_adds_plan_and_reindexes(private_env, monkeypatch):
    at = _start(private_env, monkeypatch)
    text = (ROOT / "corpus" / "plans" / "xiamen.txt").read_text(encoding="utf-8").replace("厦门", "同安")
    text = text.replace("加强欠薪源头治理", "加强欠薪源头治理<img src=x onerror=alert(1)>", 1)
    _upload(at, "tongan.txt", text.encode("utf-8"), "tongan", title="同安区人社事业发展“十四五”规划")
    _ok(at)
    assert not at.error
    assert any("已添加" in s.value for s in at.success)
    assert "tongan" in read_meta(Path(private_env["RENSHE_INDEX_DIR"]))["plans"]
    assert at.selectbox(key="library_plan").value == "tongan"
    # the new plan is searchable at once
    _page(at, "search")
    at.multiselect(key="search_plans").set_value(["tongan"])
    at.text_input(key="search_query").input("同安").run()
    _ok(at)
    titles = [m for m in _markdown(at) if m.startswith("**") and ". " in m]
    assert titles and all("同安区" in t for t in titles)
    # plan text is rendered HTML-escaped, never as markup
    at.text_input(key="search_query").input("欠薪源头治理").run()
    _ok(at)
    md = "\n".join(_markdown(at))
    assert "&lt;img src=x onerror=alert(1)&gt;" in md and "<img" not in md


def test_added_plan_gets_its_e5_vectors_in_the_background(private_env, monkeypatch):
    # The addition returns before the slow model has embedded the new text; a background build
    # embeds it and swaps the complete index in, and the sidebar says so meanwhile.
    at = _start(private_env, monkeypatch)
    text = (ROOT / "corpus" / "plans" / "jinjiang.txt").read_text(encoding="utf-8").replace("晋江", "石狮")
    _upload(at, "shishi.txt", text.encode("utf-8"), "shishi", title="石狮市人社事业发展“十四五”规划")
    _ok(at)
    index = Path(private_env["RENSHE_INDEX_DIR"])
    assert read_meta(index)["pending_windows"] > 0
    assert any("补全中" in c.value for c in at.sidebar.caption)
    deadline = time.monotonic() + 600
    while read_meta(index).get("pending_windows") and time.monotonic() < deadline:
        time.sleep(2)
    meta = read_meta(index)
    assert meta["pending_windows"] == 0 and "shishi" in meta["plans"]
    at.run()
    _ok(at)
    assert not any("补全中" in c.value for c in at.sidebar.caption)


def test_missing_index_is_built_on_start(private_env, monkeypatch):
    index = Path(private_env["RENSHE_INDEX_DIR"])
    target = index.parent / os.readlink(index)
    shutil.rmtree(target)
    index.unlink()
    at = _start(private_env, monkeypatch)
    assert read_meta(index) is not None
    assert any("5 份规划" in c.value for c in at.sidebar.caption)
    at.text_input(key="search_query").input("社保卡").run()
    _ok(at)
    assert any(m.startswith('<div class="rs-text">') for m in _markdown(at))


def test_a_current_index_opens_without_a_rebuild(app):
    # The app and the build agree on what "current" means: a page on an up-to-date index shows no
    # build status box (and takes no corpus lock that would queue the other sessions).
    at = _page(app, "compare")
    assert not at.status, [s.label for s in at.status]


def test_sessions_do_not_share_state(app_env, monkeypatch):
    first = _start(app_env, monkeypatch)
    second = _start(app_env, monkeypatch)
    _page(first, "compare")
    _page(second, "compare")
    first.button(key="compare_ex_技工院校").click().run()
    _ok(first)
    second.run()
    _ok(second)
    assert second.text_input(key="compare_theme").value == ""
    assert any("请输入政策主题" in i.value for i in second.info)
    assert any(m.startswith('<div class="rs-text">') for m in _markdown(first))


# ------------------------------------------------------------------ shareable addresses

def _open_link(env: dict[str, str], monkeypatch, page: str | None, **params) -> AppTest:
    """A new session opening the app at /<page>?params (None: the root address)."""
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if page is not None:
        at.run()
        at.switch_page(f"ui/{page}_page.py")
    at.query_params.update(params)
    at.run()
    _ok(at)
    return at


def test_search_link_reproduces_query_mode_and_plan_filter(app_env, monkeypatch):
    at = _open_link(app_env, monkeypatch, None, q="技能人才", mode="keyword", plan=["jinjiang"])
    assert at.text_input(key="search_query").value == "技能人才"
    assert at.radio(key="search_mode").value == "关键词"
    assert at.multiselect(key="search_plans").value == ["jinjiang"]
    titles = [m for m in _markdown(at) if m.startswith("**") and ". " in m]
    assert titles and all("晋江市" in t for t in titles)
    assert at.query_params == {"q": "技能人才", "mode": "keyword", "plan": "jinjiang"}


def test_typing_writes_the_address(app):
    app.text_input(key="search_query").input("根治欠薪").run()
    app.multiselect(key="search_plans").set_value(["fujian", "xiamen"]).run()
    _ok(app)
    assert app.query_params == {"q": "根治欠薪", "plan": ["fujian", "xiamen"]}   # hybrid is the default
    app.radio(key="search_mode").set_value("语义").run()
    assert app.query_params["mode"] == "semantic"


def test_link_with_unknown_values_is_ignored_with_a_notice(app_env, monkeypatch):
    at = _open_link(app_env, monkeypatch, None, q="社保卡", plan=["nowhere"], mode="fuzzy")
    assert at.multiselect(key="search_plans").value == []
    assert at.radio(key="search_mode").value == "混合"
    assert any("无效值" in t.value for t in at.toast)
    assert any(m.startswith('<div class="rs-text">') for m in _markdown(at))


def test_compare_review_indicator_and_library_links(app_env, monkeypatch):
    at = _open_link(app_env, monkeypatch, "compare", q="根治欠薪")
    assert at.text_input(key="compare_theme").value == "根治欠薪"
    md = _markdown(at)
    assert [md[i].split("**")[1] for i in _plan_header_positions(md)] == PLAN_NAMES
    at = _open_link(app_env, monkeypatch, "review", plan="xiamen", against="hainan")
    assert at.selectbox(key="review_plan").value == "xiamen"
    assert at.selectbox(key="review_against").value == "hainan"
    assert "以 **海南省" in _text(at)
    at = _open_link(app_env, monkeypatch, "indicators", category=["劳动关系"])
    assert set(at.dataframe[0].value["类别"]) == {"劳动关系"}
    at = _open_link(app_env, monkeypatch, "library", plan="ezhou")
    assert at.selectbox(key="library_plan").value == "ezhou"
    at = _open_link(app_env, monkeypatch, "precedents", plan=["hainan"])
    assert at.multiselect(key="precedent_plans").value == ["hainan"]
    at.button(key="precedent_example").click().run()
    assert "precedent_draft" not in at.query_params and set(at.query_params) == {"plan"}


def test_sidebar_names_corpus_and_index_versions(app, app_env):
    meta = read_meta(Path(app_env["RENSHE_INDEX_DIR"]))
    side = html.unescape("\n".join(c.value for c in app.sidebar.caption))
    assert f"{len(meta['plans'])} 份规划" in side and f"{meta['chunks']} 个检索单元" in side
    assert meta["built"].replace("T", " ")[:16] in side and meta["fingerprint"][:8] in side
