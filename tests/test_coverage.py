"""How a query is reduced to concepts: colloquial thesaurus phrases stay whole and count once."""
from __future__ import annotations

import config
from search.coverage import coverage, theme_terms
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
