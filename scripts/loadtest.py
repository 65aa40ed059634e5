"""Many users at once: concurrent browser sessions against a running `streamlit run app.py`.

Each session (its own Chromium context, so its own Streamlit session) searches and compares in
turn, while one more session adds a plan through the library page. Every render is checked: no
exception, the session's own query still in its own box and address, and the sidebar naming one
corpus version (old or new, never a mix), with as many plan columns on the comparison as the
sidebar names plans. Used by tests/e2e/test_load.py (a bounded run) and scripts/bench.py
(latency under load).
"""
from __future__ import annotations

import asyncio
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlparse

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
CORPUS_LINE = re.compile(r"文库：(\d+) 份规划 · (\d+) 个检索单元")
# Per-session work: distinct queries and themes, so a session showing another's is caught.
SESSION_QUERIES = [("技工院校", "根治欠薪"), ("社保卡", "零工市场"), ("高校毕业生", "技工院校"),
                   ("工伤保险", "社保卡一卡通"), ("职业技能培训", "新就业形态"), ("养老保险", "海峡两岸")]
RUNNING = ("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
           " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.match(/Running|Stop/)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env: dict[str, str], log_path: Path, timeout: float = 90) -> tuple[subprocess.Popen, str]:
    """`streamlit run app.py` on a free 127.0.0.1 port with extra environment `env`; returns the
    process and its base URL once /_stcore/health answers (raises RuntimeError otherwise)."""
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1",
           "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=dict(os.environ, **env, PYTHONUNBUFFERED="1"),
                                stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}:\n{log_path.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc, base
        except OSError:
            pass
        if time.monotonic() > deadline:
            stop_server(proc)
            raise RuntimeError(f"streamlit did not start in {timeout:.0f}s:\n{log_path.read_text(errors='replace')}")
        time.sleep(0.2)


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@dataclass
class Upload:
    """The plan the adding session uploads through the library page."""
    file_name: str
    data: bytes
    plan_id: str
    title: str


@dataclass
class LoadReport:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"search": [], "compare": []})
    versions: list[tuple[int, int]] = field(default_factory=list)   # (plans, chunks) per render
    last_versions: list[tuple[int, int]] = field(default_factory=list)  # each session's last render
    problems: list[str] = field(default_factory=list)
    add_seconds: float | None = None

    def summary(self) -> dict[str, float]:
        """Median and 95th-percentile latency (ms) per action under load."""
        out = {}
        for kind, xs in self.latencies.items():
            if xs:
                out[f"load_{kind}_median_ms"] = round(statistics.median(xs) * 1000)
                out[f"load_{kind}_p95_ms"] = round(_p95(xs) * 1000)
                out[f"load_{kind}_n"] = len(xs)
        return out


def _p95(xs: list[float]) -> float:
    ordered = sorted(xs)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


async def _only_localhost(route) -> None:
    if route.request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")):
        await route.continue_()
    else:
        await route.abort()


async def _new_page(browser):
    context = await browser.new_context(viewport={"width": 1500, "height": 1200}, locale="zh-CN")
    page = await context.new_page()
    page.set_default_timeout(180_000)
    await page.route("**/*", _only_localhost)
    return context, page


async def _idle(page) -> None:
    await page.wait_for_timeout(300)
    await page.wait_for_function(RUNNING, timeout=180_000)


async def _check(page, name: str, label: str, text: str, report: LoadReport) -> tuple[int, int] | None:
    """Problems with the render just finished; returns the corpus version its sidebar names."""
    where = f"{name} {label}={text}"
    if await page.locator('[data-testid="stException"]').count():
        report.problems.append(f"{where}: exception shown: {await page.locator('[data-testid=stException]').first.inner_text()}")
    box = await page.locator(f'input[aria-label="{label}"]').input_value()
    if box != text:
        report.problems.append(f"{where}: the box holds {box!r}")
    url_q = parse_qs(urlparse(page.url).query).get("q", [""])[0]
    if url_q != text:
        report.problems.append(f"{where}: the address holds q={url_q!r}")
    sidebar = await page.locator('[data-testid="stSidebar"]').inner_text()
    found = CORPUS_LINE.search(sidebar)
    if not found:
        report.problems.append(f"{where}: no corpus line in the sidebar: {sidebar[:200]!r}")
        return None
    version = (int(found.group(1)), int(found.group(2)))
    report.versions.append(version)
    return version


async def _submit(page, kind: str, label: str, text: str, ready: str, name: str,
                  report: LoadReport) -> tuple[int, int] | None:
    """Type `text` into the box labelled `label`, press Enter, time it until the run is over and
    `ready` shows, and check the render; returns the corpus version it names."""
    box = page.locator(f'input[aria-label="{label}"]')
    await box.fill(text)
    t0 = time.perf_counter()
    await box.press("Enter")
    await page.locator(ready).first.wait_for(state="visible")
    await _idle(page)
    report.latencies[kind].append(time.perf_counter() - t0)
    return await _check(page, name, label, text, report)


async def _search(page, name: str, query: str, report: LoadReport):
    version = await _submit(page, "search", "检索词", query, ".rs-text", name, report)
    if not await page.locator(".rs-text mark").count():
        report.problems.append(f"{name} 检索词={query}: no highlighted hit")
    return version


async def _compare(page, name: str, theme: str, report: LoadReport):
    version = await _submit(page, "compare", "政策主题", theme, ".rs-badge", name, report)
    columns = await page.locator('[data-testid="stColumn"]:has(.rs-badge)').all_inner_texts()
    n_columns = sum(1 for t in columns if any(s in t for s in ("有相关措施", "仅有提及", "未涉及")))
    if version and n_columns != version[0]:
        report.problems.append(f"{name} 政策主题={theme}: {n_columns} plan columns but the sidebar "
                               f"names {version[0]} plans")
    return version


async def _user(browser, base: str, k: int, rounds: int, added: asyncio.Event, report: LoadReport) -> None:
    """One visitor: search then compare, `rounds` times and at least once after the plan was added."""
    query, theme = SESSION_QUERIES[k % len(SESSION_QUERIES)]
    context, page = await _new_page(browser)
    try:
        await page.goto(f"{base}/search")
        await page.locator('input[aria-label="检索词"]').wait_for(state="visible")
        await _idle(page)
        version = None
        done = after = 0
        while done < rounds or not after:   # at least one round begun after the plan was added
            after += added.is_set()
            await _search(page, f"session{k}", query, report)
            await page.locator('[data-testid="stSidebarNav"] a', has_text="对照").click()
            await page.locator('input[aria-label="政策主题"]').wait_for(state="visible")
            await _idle(page)
            version = await _compare(page, f"session{k}", theme, report)
            await page.locator('[data-testid="stSidebarNav"] a', has_text="检索").click()
            await page.locator('input[aria-label="检索词"]').wait_for(state="visible")
            await _idle(page)
            done += 1
        report.last_versions.append(version)
    except Exception as exc:  # a timeout or a vanished element is a finding, not a crash of the run
        report.problems.append(f"session{k}: {type(exc).__name__}: {exc}")
    finally:
        await context.close()


async def _adder(browser, base: str, upload: Upload, start: asyncio.Event, added: asyncio.Event,
                 report: LoadReport) -> None:
    """The visitor who adds a plan through the library page while the others work."""
    context, page = await _new_page(browser)
    try:
        await page.goto(f"{base}/library")
        await page.get_by_role("tab", name="添加规划").wait_for()
        await start.wait()
        await page.get_by_role("tab", name="添加规划").click()
        # the form is submitted only once the file has reached the server
        async with page.expect_response(lambda r: "/_stcore/upload_file" in r.url, timeout=120_000):
            await page.locator('input[type="file"]:not([multiple])').set_input_files(
                files=[{"name": upload.file_name, "mimeType": "text/plain", "buffer": upload.data}])
        t0 = time.perf_counter()
        # the file is read first; its metadata proposal is corrected and confirmed
        await page.get_by_role("button", name="读取文件并识别信息").click()
        await page.get_by_role("button", name="确认添加到文库").wait_for(timeout=120_000)
        await page.locator('input[aria-label="编号"]').fill(upload.plan_id)
        await page.locator('input[aria-label="标题"]').fill(upload.title)
        await page.get_by_role("button", name="确认添加到文库").click()
        await page.locator('[data-testid="stAlertContentSuccess"]').wait_for(timeout=300_000)
        report.add_seconds = time.perf_counter() - t0
        message = await page.locator('[data-testid="stAlertContentSuccess"]').inner_text()
        if upload.title not in message:
            report.problems.append(f"adder: the success message does not name the plan as typed: {message!r}")
        if await page.locator('[data-testid="stException"]').count():
            report.problems.append("adder: exception shown")
    except Exception as exc:
        alerts = await page.locator('[data-testid="stAlertContainer"]').all_inner_texts()
        report.problems.append(f"adder: {type(exc).__name__}: {exc}; messages shown: {alerts}")
    finally:
        added.set()
        await context.close()


async def _run(base: str, sessions: int, rounds: int, upload: Upload | None) -> LoadReport:
    from playwright.async_api import async_playwright

    report = LoadReport()
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            added, start = asyncio.Event(), asyncio.Event()
            if upload is None:
                added.set()
            users = [asyncio.create_task(_user(browser, base, k, rounds, added, report))
                     for k in range(sessions)]
            tasks = list(users)
            if upload is not None:
                tasks.append(asyncio.create_task(_adder(browser, base, upload, start, added, report)))
                # the plan is added once every visitor has had a first result
                while len(report.latencies["search"]) < sessions and not all(t.done() for t in users):
                    await asyncio.sleep(0.2)
                start.set()
            await asyncio.gather(*tasks)
        finally:
            await browser.close()
    return report


def run_load(base: str, sessions: int = 3, rounds: int = 2, upload: Upload | None = None) -> LoadReport:
    """Drive `sessions` concurrent visitors (each `rounds` search + compare rounds, plus one after the
    upload) against the app at `base`, while one more visitor uploads `upload`."""
    # In a thread of its own: the caller may be running an event loop already (sync Playwright does).
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, _run(base, sessions, rounds, upload)).result()
