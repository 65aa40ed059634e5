"""`python -m index build` killed at several points, and two builds at once, as real subprocesses.

The previous index must keep serving after every kill, the next build must complete, and a
second build started while one runs must get a clear message (or wait for the first)."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import config
from corpus.loader import load_corpus
from index.build import build_index, read_meta
from search.engine import SearchEngine

ROOT = Path(__file__).resolve().parent.parent
BUILD_TIMEOUT = 300


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    """A corpus copy with a built index, plus one plan added after the build (so the index is stale
    and the next build has new passages to embed)."""
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus" / "plans", corpus / "plans")
    shutil.copy2(ROOT / "corpus" / "plans.toml", corpus / "plans.toml")
    for f in (corpus / "plans").iterdir():
        f.chmod(0o644)
    cache = tmp_path / "embed_cache"
    if Path(config.EMBED_CACHE_DIR).is_dir():
        shutil.copytree(config.EMBED_CACHE_DIR, cache)
    index = tmp_path / "ix" / "index"
    build_index(load_corpus(corpus), index, cache, model=config.EMBED_MODEL, log=lambda m: None)
    from corpus.adding import add_plan
    src = tmp_path / "tongan.txt"
    text = (ROOT / "corpus" / "plans" / "xiamen.txt").read_text(encoding="utf-8")
    src.write_text(text.replace("厦门", "同安"), encoding="utf-8")
    add_plan(src, plan_id="tongan", title="同安区人社事业发展“十四五”规划", level="county-level city",
             parent="xiamen", region="福建省厦门市同安区", corpus_dir=corpus)
    return dict(os.environ, RENSHE_CORPUS_DIR=str(corpus), RENSHE_INDEX_DIR=str(index),
                RENSHE_EMBED_CACHE=str(cache), PYTHONUNBUFFERED="1")


def _build(env: dict[str, str], *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "index", "build", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_line(proc: subprocess.Popen, prefix: str) -> str:
    """Read the build's log until a line starting with `prefix` (fails if the build ends first)."""
    deadline = time.monotonic() + BUILD_TIMEOUT
    for line in proc.stdout:
        if line.startswith(prefix):
            return line
        assert time.monotonic() < deadline, f"no {prefix!r} line in time"
    proc.wait()
    pytest.fail(f"build ended (rc {proc.returncode}) before printing {prefix!r}: {proc.stderr.read()}")


def _serves_old_index(index: Path, cache: str, before: dict) -> None:
    assert read_meta(index) == before
    engine = SearchEngine.load(index, Path(cache), log=pytest.fail)   # no rebuild needed
    assert "tongan" not in engine.plan_ids
    assert engine.search("根治欠薪", mode="keyword").hits


# New text is embedded (into the cache, before the build lock) first, then the index is assembled.
KILL_POINTS = [
    ("embedding ", signal.SIGTERM),         # a polite kill unwinds and removes what it wrote
    ("embedding ", signal.SIGKILL),         # half way through embedding the new plan
    ("building index", signal.SIGKILL),     # assembling has just started, (almost) nothing written yet
    ("keyword index:", signal.SIGKILL),     # keyword index written into the build directory
]


def test_killed_builds_leave_previous_index_serving_and_next_build_completes(env):
    index = Path(env["RENSHE_INDEX_DIR"])
    before = read_meta(index)
    shards = lambda: len(list(Path(env["RENSHE_EMBED_CACHE"]).rglob("shard-*.json")))
    shards_before = shards()
    for kill_at, sig in KILL_POINTS:
        proc = _build(env)
        _wait_for_line(proc, kill_at)
        proc.send_signal(sig)
        proc.wait(timeout=60)
        assert proc.returncode != 0, kill_at
        _serves_old_index(index, env["RENSHE_EMBED_CACHE"], before)
        leftovers = list(index.parent.glob(".index.build-*"))
        if sig == signal.SIGTERM:
            assert not leftovers, "a terminated build removes its directory (and earlier leftovers)"
        elif kill_at == "keyword index:":
            assert leftovers, "a SIGKILLed build leaves its half-written directory behind"

    assert shards() > shards_before, "vectors embedded before a kill are kept for the next build"
    # the next build takes the lock at once (the killed ones' locks died with them) and completes
    done = subprocess.run([sys.executable, "-m", "index", "build", "--wait", "0"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=BUILD_TIMEOUT)
    assert done.returncode == 0, done.stderr
    after = read_meta(index)
    assert after["fingerprint"] != before["fingerprint"] and "tongan" in after["plans"]
    assert not list(index.parent.glob(".index.build-*")), "leftovers of the killed builds are swept"
    engine = SearchEngine.load(index, Path(env["RENSHE_EMBED_CACHE"]), log=pytest.fail)
    hits = engine.search("同安", mode="keyword", plans=["tongan"]).hits
    assert hits and all(h.plan_id == "tongan" for h in hits)


def test_second_build_is_told_and_waiting_build_finds_index_done(env):
    index = Path(env["RENSHE_INDEX_DIR"])
    first = _build(env, "--force")      # a full build holds the lock for seconds; reuse would be too quick
    _wait_for_line(first, "building index")
    refused = subprocess.run([sys.executable, "-m", "index", "build", "--wait", "0"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=BUILD_TIMEOUT)
    assert refused.returncode == 3
    assert "another index build" in refused.stderr and f"pid {first.pid}" in refused.stderr
    assert "Traceback" not in refused.stderr
    waiting = _build(env)
    assert "waiting for it to finish" in _wait_for_line(waiting, "another index build is running")
    out, err = waiting.communicate(timeout=BUILD_TIMEOUT)
    first.communicate(timeout=BUILD_TIMEOUT)
    assert first.returncode == 0 and waiting.returncode == 0, err
    assert "index up to date" in out                # the waiting build found the work done
    assert "tongan" in read_meta(index)["plans"]
    versions = [p for p in index.parent.glob(".index-*") if p.is_dir()]
    assert index.resolve() in versions
