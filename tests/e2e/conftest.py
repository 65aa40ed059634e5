"""Fixtures for the browser tests: a temporary index and a running `streamlit run app.py` server."""
from __future__ import annotations

import shutil
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from scripts.loadtest import RUNNING, start_server, stop_server

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "tests" / "artifacts"
SERVER_START_TIMEOUT = 90


def _env(root: Path, extra_plans=()) -> dict[str, str]:
    """RENSHE_* variables pointing at a copy of the corpus (plus `extra_plans`, added through
    corpus.adding: (file, kwargs) pairs) with a freshly built index."""
    import config
    from corpus.adding import add_plan
    from corpus.loader import load_corpus
    from index.build import build_index

    corpus = root / "corpus"
    (corpus / "plans").mkdir(parents=True)
    shutil.copy2(ROOT / "corpus" / "plans.toml", corpus / "plans.toml")
    for f in (ROOT / "corpus" / "plans").iterdir():
        shutil.copyfile(f, corpus / "plans" / f.name)
    for src, kwargs in extra_plans:
        add_plan(src, corpus_dir=corpus, **kwargs)
    cache = root / "embed_cache"
    if Path(config.EMBED_CACHE_DIR).is_dir():
        shutil.copytree(config.EMBED_CACHE_DIR, cache)
    index = root / "index"
    build_index(load_corpus(corpus), index, cache, model=config.EMBED_MODEL, log=lambda m: None)
    return {"RENSHE_CORPUS_DIR": str(corpus), "RENSHE_INDEX_DIR": str(index),
            "RENSHE_EMBED_CACHE": str(cache)}


@contextmanager
def _running(env: dict[str, str], log_path: Path):
    started = time.perf_counter()
    try:
        proc, base = start_server(env, log_path, timeout=SERVER_START_TIMEOUT)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    try:
        yield base, started, time.perf_counter() - started
    finally:
        stop_server(proc)


@pytest.fixture(scope="session")
def e2e_env(tmp_path_factory) -> dict[str, str]:
    """RENSHE_* variables pointing at a copy of the corpus with a freshly built index."""
    return _env(tmp_path_factory.mktemp("e2e"))


@pytest.fixture(scope="session")
def server(e2e_env, tmp_path_factory):
    """`streamlit run app.py` on a free localhost port; yields (base_url, start_time, seconds_to_health)."""
    with _running(e2e_env, tmp_path_factory.mktemp("server") / "streamlit.log") as running:
        yield running


# A plan whose title, region, headings and text carry HTML and Markdown: everything the app shows
# of it must read as these very characters, never as markup.
HOSTILE_TEXT = ("<script>alert('text')</script><img src=x onerror=alert('img')>"
                "*斜体正文*~~删除~~[点我](javascript:alert('link'))$x$:red[红字]")
HOSTILE_HEADING = "*斜体标题*<img src=x onerror=alert('heading')>"
HOSTILE_PLAN = {"plan_id": "evil", "level": "county-level city", "parent": "xiamen",
                "title": "恶意<script>alert('title')</script>**粗体**[链接](javascript:alert('t'))规划",
                "region": "<img src=x onerror=alert('region')>测试市"}


@pytest.fixture(scope="session")
def hostile_server(tmp_path_factory):
    """A server of its own over the five plans plus HOSTILE_PLAN (Xiamen's text with markup in a
    heading and in a wage-arrears measure); tests may add plans to it."""
    root = tmp_path_factory.mktemp("hostile")
    text = (ROOT / "corpus" / "plans" / "xiamen.txt").read_text(encoding="utf-8")
    text = text.replace("（四）完善失业保险保障功能", f"（四）完善失业保险保障功能{HOSTILE_HEADING}", 1)
    text = text.replace("加强欠薪源头治理，", f"加强欠薪源头治理{HOSTILE_TEXT}，", 1)
    src = root / "evil.txt"
    src.write_text(text, encoding="utf-8")
    env = _env(root, [(src, HOSTILE_PLAN)])
    with _running(env, root / "streamlit.log") as (base, _, _):
        yield base, env


def idle(page, timeout: float = 30_000) -> None:
    """Wait until the script run is over (Streamlit's "running" indicator is gone)."""
    page.wait_for_timeout(300)
    page.wait_for_function(RUNNING, timeout=timeout)


def open_page(page, base: str, path: str, ready_selector: str, timeout: float = 30_000) -> None:
    """Go to base/path (a new session) and wait for `ready_selector` and the end of the run."""
    page.goto(f"{base}/{path}")
    page.locator(ready_selector).first.wait_for(state="visible")
    idle(page, timeout)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is missing (install Debian's chromium: `make browser`)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1600, "height": 1800}, accept_downloads=True,
                                  locale="zh-CN")
    pg = context.new_page()
    pg.set_default_timeout(30_000)

    def only_localhost(route):
        url = route.request.url
        if url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "http://localhost", "data:", "blob:")):
            route.continue_()
        else:
            route.abort()

    pg.route("**/*", only_localhost)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        yield pg
    finally:
        context.close()
