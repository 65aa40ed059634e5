"""Metadata proposed from a plan's own text, and the structure report of `corpus add`."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

import config
from corpus.importing import read_plan
from corpus.importing.metadata import propose
from corpus.importing.numbering import chinese_number
from corpus.manifest import read_manifest
from corpus.model import PlanInfo
from tests.test_add_plan import corpus_dir, snapshot  # noqa: F401

FIXTURES = config.ROOT / "tests" / "fixtures" / "published"
MANIFEST = {p.id: p for p in read_manifest(config.ROOT / "corpus" / "plans.toml")}


@pytest.mark.parametrize("pid", sorted(MANIFEST))
def test_proposal_matches_the_manifest(pid):
    others = [p for p in MANIFEST.values() if p.id != pid]
    prop = propose(read_plan(FIXTURES / f"{pid}-b5.docx").text, others)
    want = MANIFEST[pid]
    assert (prop.title, prop.region, prop.level, prop.parent) == (want.title, want.region, want.level,
                                                                   want.parent)
    assert prop.plan_id == pid
    assert (prop.doc_number, prop.issuer, prop.date) == (want.doc_number, want.issuer, want.date)


def test_parent_is_the_nearest_enclosing_plan_in_the_corpus():
    text = "泉州市人力资源和社会保障事业发展“十四五”规划\n第一章 发展基础\n"
    quanzhou = PlanInfo(id="quanzhou", title="泉州市人社规划", region="福建省泉州市", level="prefecture-level city")
    plans = list(MANIFEST.values())
    assert propose(text, plans).parent == "fujian"
    county = "石狮市“十四五”人力资源和社会保障事业发展规划\n第一章 发展基础\n"
    prop = propose(county, plans + [quanzhou])
    assert (prop.region, prop.level, prop.parent) == ("福建省泉州市石狮市", "county-level city", "quanzhou")


def test_region_and_level_outside_the_corpus():
    prop = propose("湖南省株洲市人力资源和社会保障事业发展“十四五”规划\n二〇二一年十二月三十日\n", [])
    assert (prop.region, prop.level, prop.parent, prop.parent_name) == (
        "湖南省株洲市", "prefecture-level city", "", "湖南省")
    assert prop.date == "2021-12-30"
    assert prop.plan_id == "zhuzhou"
    assert propose("深圳市人力资源和社会保障事业发展“十四五”规划", []).level == "sub-provincial city"
    unknown = propose("人力资源和社会保障事业发展“十四五”规划", [])
    assert unknown.region == "" and unknown.notes


def test_word_list_numbers_in_chinese():
    assert [chinese_number(n) for n in (1, 10, 11, 20, 23, 105)] == ["一", "十", "十一", "二十", "二十三", "一百零五"]


def run_cli(corpus_dir, *args):
    env = dict(os.environ, RENSHE_CORPUS_DIR=str(corpus_dir), RENSHE_INDEX_DIR=str(corpus_dir.parent / "index"))
    return subprocess.run([sys.executable, "-m", "corpus", "add", *args], cwd=config.ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


def test_cli_batch_adds_each_file_on_its_own(corpus_dir, tmp_path):
    """A folder with a new plan, a plan already in the corpus and a broken file: one is added."""
    folder = tmp_path / "incoming"
    folder.mkdir()
    manifest = corpus_dir / "plans.toml"
    kept = [p for p in read_manifest(manifest) if p.id != "ezhou"]
    from corpus.manifest import write_manifest
    write_manifest(manifest, kept)
    (corpus_dir / "plans" / "ezhou.txt").unlink()
    (folder / "ezhou.docx").write_bytes((FIXTURES / "ezhou-a4.docx").read_bytes())
    (folder / "hainan.docx").write_bytes((FIXTURES / "hainan-a4.docx").read_bytes())
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4\nnot a pdf\n")
    proc = run_cli(corpus_dir, str(folder))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    added = read_manifest(manifest)
    assert [p.id for p in added] == [p.id for p in kept] + ["ezhou"]
    assert (added[-1].region, added[-1].level, added[-1].parent_name) == ("湖北省鄂州市", "prefecture-level city", "湖北省")
    assert "10 章 · 43 节" in proc.stdout and "“十四五”指标行 16" in proc.stdout
    assert "| ezhou.docx | 已添加 | ezhou |" in proc.stdout
    assert "| hainan.docx | 未添加 |" in proc.stdout and "| broken.pdf | 未添加 |" in proc.stdout
    assert "3/3" in proc.stderr


def test_cli_dry_run_writes_nothing(corpus_dir):
    before = snapshot(corpus_dir)
    proc = run_cli(corpus_dir, str(FIXTURES / "jinjiang-b5.pdf"), "--dry-run")
    assert proc.returncode == 0, proc.stderr
    assert "doc_number: 晋政办〔2022〕32号" in proc.stdout and "plan_id: jinjiang-2" in proc.stdout
    assert snapshot(corpus_dir) == before
