"""How a query is reduced to concepts: colloquial thesaurus phrases stay whole and count once."""
from __future__ import annotations

import config
from search.chunk_texts import ChunkTexts
from search.coverage import coverage, coverage_of_texts, theme_terms
from tests.test_index_support import engine


def test_a_colloquial_phrase_is_one_concept_with_its_official_forms():
    # 开公司 means starting a business: it must not fall apart into 开 + 公司 (= employer)
    terms = {t.word: t for t in theme_terms("年轻人自己开公司有什么扶持")}
    assert list(terms) == ["年轻人", "开公司", "扶持"]
    assert "创业" in terms["开公司"].forms
    assert "用人单位" not in terms["开公司"].forms


def test_phrase_the_dictionary_does_not_know_still_reaches_its_official_term():
    first = theme_terms("用一张卡看病乘车")[0]
    assert first.word == "一张卡"
    assert "社会保障卡" in first.forms


def test_two_examples_of_the_same_group_are_one_concept():
    # delivery riders and ride-hailing drivers are both 新就业形态: a passage about platform
    # workers' labour protection covers the whole query
    terms = theme_terms("外卖骑手网约车司机的劳动保障")
    assert [t.word for t in terms] == ["外卖骑手", "劳动保障"]
    idf = {t.word: 1.0 for t in terms}
    assert coverage(terms, "加强新就业形态从业人员劳动保障", idf) == 1.0


def test_a_word_is_credited_through_the_synonyms_of_its_parts():
    terms = theme_terms("劳动者权益保障")
    idf = {t.word: 1.0 for t in terms}
    # all parts present through synonyms: the most a word found only by parts can earn
    assert coverage(terms, "维护职工权益保障", idf) == config.PARTIAL_CREDIT
    assert coverage(terms, "维护职工合法权益", idf) < config.PARTIAL_CREDIT
    assert coverage(terms, "维护劳动者权益保障", idf) == 1.0


def test_a_thesaurus_word_never_cuts_through_a_word_of_the_query():
    # 残疾人就业 is a thesaurus word, but here the query reads 残疾人 | 就业创业
    assert [t.word for t in theme_terms("残疾人就业创业")] == ["残疾人", "就业创业"]


def test_group_plus_generic_theme_puts_the_group_first():
    hits = engine().search("残疾人就业创业", top=5).hits
    assert sum("残疾" in h.text for h in hits) >= 4


def test_every_concept_group_is_grounded_in_the_plans():
    # a group that reaches no passage of any plan only expands queries into nothing
    from search.thesaurus import concept_reach, load_concepts
    eng = engine()
    pids = [r["plan_id"] for r in eng.records]
    concepts = load_concepts()
    assert len(concepts) >= 100 and len({c.field for c in concepts}) >= 8
    silent = [c.name for c in concepts if not any(concept_reach(c, eng.match_text, pids)["passages"].values())]
    assert silent == []


def test_concepts_command_lists_passages_per_plan_for_every_group():
    import json
    import subprocess
    import sys
    from pathlib import Path
    from search.thesaurus import load_concepts
    from tests.test_index_support import built_index
    index_dir, cache_dir = built_index()
    env = dict(__import__("os").environ, RENSHE_INDEX_DIR=str(index_dir), RENSHE_EMBED_CACHE=str(cache_dir))
    out = subprocess.run([sys.executable, "-m", "search", "concepts", "--json"], cwd=Path(config.ROOT),
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert len(rows) == len(load_concepts())
    skilled = next(r for r in rows if "技术工人" in r["words"])
    assert "技能人才" in skilled["words"]
    assert set(skilled["passages"]) == {"fujian", "xiamen", "jinjiang", "hainan", "ezhou"}
    assert all(n > 0 for n in skilled["passages"].values())


def test_ranking_and_side_by_side_read_the_same_coverage_of_a_passage():
    # the ranking weighs its candidates' coverage all at once, from one scan of their joined texts
    # per thesaurus form; the figures must be those the side-by-side view computes passage by
    # passage (thesaurus forms, parts)
    eng = engine()
    texts = [eng.match_text[i] for i in range(len(eng.match_text))]
    joined = ChunkTexts(texts)
    for query in ("劳动者权益保障", "外卖骑手网约车司机的劳动保障", "用一张卡看病乘车", "残疾人就业创业",
                  "年轻人自己开公司有什么扶持", "高技能人才培养"):
        qa = eng.analyse(query)
        at_once = coverage_of_texts(qa.concepts, qa.idf, joined)
        assert at_once.max() > 0
        assert [coverage(qa.concepts, t, qa.idf) for t in texts] == at_once.tolist()
