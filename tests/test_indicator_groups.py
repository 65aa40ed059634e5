"""Cross-plan indicator grouping and provincial target review on the real plans."""
from corpus.model import Indicator
from search.indicator_groups import (
    compare_targets, group_indicators, group_table, match_indicator, measure_key, normalize_name, review_indicators,
)


def _ind(name, target_value, comparator="=", unit="%", cumulative=False):
    return Indicator(plan_id="t", period="14th", category="", number="", name=name, label=name, unit=unit,
                     base="", target=f"{comparator}{target_value}", attribute="预期性", line=1,
                     target_value=target_value, target_comparator=comparator, cumulative=cumulative)


def _row(rows, key):
    return next(r for r in rows if r["key"] == key)


def test_normalize_strips_numbering_brackets_and_qizhong():
    assert normalize_name("其中：申领电子社保卡人口覆盖率") == "申领电子社保卡人口覆盖率"
    assert normalize_name("（1）企业职工养老保险参保人数") == "企业职工养老保险参保人数"
    assert normalize_name("劳动人事争议仲裁（审限）结案率") == "劳动人事争议仲裁结案率"
    assert measure_key("城镇调查失业率")[0] != measure_key("城镇登记失业率")[0]


def test_group_aligns_registered_unemployment_and_keeps_survey_rate_apart(plans):
    groups = {g.key: g for g in group_indicators(list(plans.values()))}
    having = {p.id for p in plans.values()
              for i in p.indicators if i.period == "14th" and "登记失业率" in i.name}
    assert having == {"fujian", "xiamen", "hainan", "ezhou"}
    registered = groups["城镇登记失业率"]
    assert set(registered.by_plan) == having
    assert all("登记" in i.name for inds in registered.by_plan.values() for i in inds)
    survey = groups["城镇调查失业率"]
    assert set(survey.by_plan) == {"fujian", "hainan"}
    assert all("调查" in i.name for inds in survey.by_plan.values() for i in inds)
    table = {r["指标"]: r for r in group_table(list(groups.values()), list(plans))}
    assert table["城镇登记失业率"]["xiamen"] == "<5（%）"
    assert table["城镇调查失业率"]["xiamen"] == ""


def test_group_lines_up_name_variants(plans):
    groups = {g.key: g for g in group_indicators(list(plans.values()))}
    assert set(groups["农民工参加职业培训人次"].by_plan) == {"fujian", "xiamen", "jinjiang", "hainan", "ezhou"}
    assert set(groups["劳动保障监察举报投诉案件结案率"].by_plan) == {"fujian", "xiamen", "jinjiang", "hainan", "ezhou"}
    assert "jinjiang" in groups["新增取得高级工以上证书人数"].by_plan  # truncated name in the Jinjiang table


def test_review_xiamen_against_fujian(plans):
    rows = review_indicators(plans["fujian"], plans["xiamen"])
    assert len(rows) == sum(i.period == "14th" for i in plans["fujian"].indicators)
    registered = _row(rows, "城镇登记失业率")
    assert (registered["parent_target"], registered["child_target"]) == ("<5", "<5")
    assert registered["verdict"] == "consistent"
    survey = _row(rows, "城镇调查失业率")
    assert survey["parent_target"] == "<5.5"
    assert survey["verdict"] == "missing"
    assert survey["child_name"] == ""


def test_survey_rate_is_only_related_to_registered_rate(plans):
    fujian_survey = next(i for i in plans["fujian"].indicators if i.period == "14th" and i.name == "城镇调查失业率")
    xiamen = [i for i in plans["xiamen"].indicators if i.period == "14th"]
    child, relation = match_indicator(fujian_survey, xiamen)
    assert relation == "different_measure"
    assert child.name == "城镇登记失业率"
    assert compare_targets(fujian_survey, child) == "different measure"


def test_higher_floor_in_city_is_stricter_on_real_plans(plans):
    rows = review_indicators(plans["fujian"], plans["jinjiang"])
    arbitration = _row(rows, "劳动人事争议仲裁结案率")
    assert (arbitration["parent_target"], arbitration["child_target"]) == ("90 以上", "95 以上")
    assert arbitration["verdict"] == "stricter"
    pension = _row(review_indicators(plans["fujian"], plans["xiamen"]), "基本养老保险参保率")
    assert pension["verdict"] == "stricter"


def test_ceiling_and_floor_directions():
    ceiling = _ind("城镇登记失业率", 5.0, "<")
    assert compare_targets(ceiling, _ind("城镇登记失业率", 4.5, "<")) == "stricter"
    assert compare_targets(ceiling, _ind("城镇登记失业率", 6.0, "<")) == "looser"
    assert compare_targets(ceiling, _ind("城镇登记失业率", 5.0, "≤")) == "looser"
    assert compare_targets(ceiling, _ind("城镇登记失业率", 5.0, "<")) == "consistent"
    floor = _ind("基本养老保险参保率", 95.0, "≥")
    assert compare_targets(floor, _ind("基本养老保险参保率", 96.0)) == "stricter"
    assert compare_targets(floor, _ind("基本养老保险参保率", 94.0)) == "looser"
    assert compare_targets(floor, _ind("基本养老保险参保率", 95.0)) == "consistent"
    assert compare_targets(floor, None) == "missing"


def test_units_cumulation_and_counts():
    count = _ind("失业保险参保人数", 695.0, unit="万人")
    assert compare_targets(count, _ind("失业保险参保人数", 31.3, unit="万人")) == "consistent"
    assert compare_targets(count, _ind("失业保险参保人数", 31.3, unit="万人次")) == "different measure"
    five_year = _ind("城镇新增就业人数", 250.0, unit="万人", cumulative=True)
    assert compare_targets(five_year, _ind("城镇新增就业人数", 10.0, unit="万人")) == "different measure"
