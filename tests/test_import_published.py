"""The five plans as published (Word, and the PDF LibreOffice prints from it, in two layouts)
are added to a copy of the corpus and read back the same as the .txt plans."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import config
from corpus.adding import add_plan
from corpus.loader import load_corpus
from scripts.import_quality import PAGE_MARK, indicator_keys as indicator_rows, norm, outline

FIXTURES = config.ROOT / "tests" / "fixtures" / "published"
REFERENCE = {p.id: p for p in load_corpus(config.ROOT / "corpus")}
CASES = [(pid, layout, fmt) for fmt in ("docx", "pdf") for layout in ("a4", "b5") for pid in REFERENCE]


@pytest.fixture(scope="module")
def empty_corpus(tmp_path_factory) -> Path:
    """A corpus holding no plan (the plan read back is compared with the shipped one)."""
    target = tmp_path_factory.mktemp("empty") / "corpus"
    (target / "plans").mkdir(parents=True)
    (target / "plans.toml").write_text("", encoding="utf-8")
    return target


@pytest.mark.parametrize("pid, layout, fmt", CASES, ids=[f"{p}-{l}.{f}" for p, l, f in CASES])
def test_published_plan_reads_like_the_text_plan(tmp_path, empty_corpus, pid, layout, fmt):
    corpus_dir = tmp_path / "corpus"
    shutil.copytree(empty_corpus, corpus_dir)
    ref = REFERENCE[pid]
    info, warnings = add_plan(FIXTURES / f"{pid}-{layout}.{fmt}", plan_id=pid, title=ref.info.title,
                              level=ref.info.level, region=ref.info.region, corpus_dir=corpus_dir)
    got = load_corpus(corpus_dir)[0]

    assert outline(got) == outline(ref)
    want = indicator_rows(ref)
    assert sum((want & indicator_rows(got)).values()) == sum(want.values())
    texts = [norm(c.text) for c in got.chunks]
    whole = [c for c in ref.chunks if any(norm(c.text) in t for t in texts)]
    assert len(whole) >= 0.98 * len(ref.chunks)
    assert not [c.text for c in got.chunks if PAGE_MARK.search(c.text)]
    title = norm(ref.info.title)       # no running header glued into a passage

    def glued(passages):
        return sum(title in t and t != title for t in passages)
    assert glued(texts) <= glued(norm(c.text) for c in ref.chunks)
    assert any(w.startswith("目录已跳过") for w in warnings)
