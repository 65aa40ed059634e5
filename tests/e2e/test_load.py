"""Many users at once on a real server: concurrent sessions search and compare while one adds a plan.

The run is bounded (a few sessions, a few rounds each); latency under load is reported by
`make bench`, not asserted here."""
from __future__ import annotations

from pathlib import Path

import pytest

from index.build import read_meta
from scripts.loadtest import CHROMIUM, Upload, run_load

ROOT = Path(__file__).resolve().parents[2]
SESSIONS, ROUNDS = 3, 1


@pytest.fixture
def upload() -> Upload:
    """Jinjiang's text under a new id, with a file name and a title full of markup."""
    text = (ROOT / "corpus" / "plans" / "jinjiang.txt").read_text(encoding="utf-8").replace("晋江", "石狮")
    return Upload(file_name="<img src=x onerror=alert(1)>**石狮**.txt", data=text.encode("utf-8"),
                  plan_id="shishi", title="石狮市**人社**“十四五”规划[链接](javascript:alert(2))")


def test_concurrent_sessions_while_a_plan_is_added(hostile_server, upload):
    if not Path(CHROMIUM).exists():
        pytest.skip("/usr/bin/chromium is missing (install Debian's chromium: `make browser`)")
    base, env = hostile_server
    index = Path(env["RENSHE_INDEX_DIR"])
    old = read_meta(index)
    old_version = (len(old["plans"]), old["chunks"])

    report = run_load(base, sessions=SESSIONS, rounds=ROUNDS, upload=upload)

    assert not report.problems, "\n".join(report.problems)
    new = read_meta(index)
    assert upload.plan_id in new["plans"]
    new_version = (len(new["plans"]), new["chunks"])
    # every render showed one whole corpus version, and every session ended on the new one
    assert set(report.versions) <= {old_version, new_version}, (set(report.versions), old_version, new_version)
    assert report.last_versions == [new_version] * SESSIONS
    assert old_version in report.versions
    assert len(report.latencies["search"]) >= SESSIONS * ROUNDS
    assert len(report.latencies["compare"]) >= SESSIONS * ROUNDS
