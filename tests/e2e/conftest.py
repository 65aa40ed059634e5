"""Fixtures for the browser tests: a temporary index and a running `streamlit run app.py` server."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "tests" / "artifacts"
SERVER_START_TIMEOUT = 90


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def e2e_env(tmp_path_factory) -> dict[str, str]:
    """RENSHE_* variables pointing at a copy of the corpus with a freshly built index."""
    import config
    from corpus.loader import load_corpus
    from index.build import build_index

    root = tmp_path_factory.mktemp("e2e")
    corpus = root / "corpus"
    (corpus / "plans").mkdir(parents=True)
    shutil.copy2(ROOT / "corpus" / "plans.toml", corpus / "plans.toml")
    for f in (ROOT / "corpus" / "plans").iterdir():
        shutil.copyfile(f, corpus / "plans" / f.name)
    cache = root / "embed_cache"
    if Path(config.EMBED_CACHE_DIR).is_dir():
        shutil.copytree(config.EMBED_CACHE_DIR, cache)
    index = root / "index"
    build_index(load_corpus(corpus), index, cache, model=config.EMBED_MODEL, log=lambda m: None)
    return {"RENSHE_CORPUS_DIR": str(corpus), "RENSHE_INDEX_DIR": str(index),
            "RENSHE_EMBED_CACHE": str(cache)}


@pytest.fixture(scope="session")
def server(e2e_env, tmp_path_factory):
    """`streamlit run app.py` on a free localhost port; yields (base_url, start_time, seconds_to_health)."""
    port = _free_port()
    log_path = tmp_path_factory.mktemp("server") / "streamlit.log"
    env = dict(os.environ, **e2e_env, PYTHONUNBUFFERED="1")
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py",
           "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1",
           "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    started = time.perf_counter()
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(f"streamlit exited with {proc.returncode}:\n{log_path.read_text(errors='replace')}")
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"streamlit did not start in {SERVER_START_TIMEOUT}s:\n"
                            f"{log_path.read_text(errors='replace')}")
            time.sleep(0.2)
        health = time.perf_counter() - started
        yield base, started, health
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


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
