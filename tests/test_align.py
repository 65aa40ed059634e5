"""Clause splitting and shared-wording alignment (search/align.py), on real plan sentences."""
from search.align import clause_marks, smith_waterman, split_clauses, wording_share

MEASURE = ("01 创业孵化基地建设项目\n培育扶持一批特色突出、功能完善的孵化基地。坚持把高校毕业生就业作为重中之重，"
           "深入实施高校毕业生就业创业促进计划，开发更多适合高校毕业生的高质量就业岗位，拓宽市场化社会化就业渠道。")


def test_clauses_keep_offsets_and_drop_numbering():
    clauses = split_clauses(MEASURE)
    assert clauses[0].text == "创业孵化基地建设项目"          # item number 01 stripped
    for c in clauses:
        assert MEASURE[c.start:c.end] == c.text
    assert all(len(c.text) <= 45 + 20 for c in clauses)          # long sentences cut at commas
    assert any(c.text.startswith("开发更多适合高校毕业生") or "开发更多" in c.text for c in clauses)
    assert len(clauses) >= 4


def test_short_fragments_join_their_neighbour():
    clauses = split_clauses("（一）加强。完善最低工资标准正常调整机制。")
    assert len(clauses) == 1 and clauses[0].text.startswith("加强。")


def test_smith_waterman_finds_local_copy_inside_rewording():
    province = "全面落实工资专用账户、实名制管理、工资保证金等制度"
    county = "在工程建设领域全面落实工资专用账户、实名制管理、工资保证金等制度，加大惩戒力度"
    unrelated = "推进职称制度改革，完善专业技术人才评价标准"
    share = wording_share([province, province], [county, unrelated])
    assert share[0] == 1.0 and share[1] < 0.3
    assert smith_waterman(["abcx"], ["zabcz"])[0] == 6            # three matches at +2


def test_shared_wording_marks_ignore_width_and_index_the_passages_as_written():
    a = "推进实名制。落实工资保证金等制度,加大欠薪惩戒力度"
    b = "全面落实工资保证金等制度，加大欠薪违法行为惩戒力度"
    [ca] = [c for c in split_clauses(a) if "保证金" in c.text]
    [cb] = split_clauses(b)
    spans_a, spans_b, shared = clause_marks([(ca, cb)])
    assert "落实工资保证金等制度,加大欠薪" in shared               # the comma differs only in width
    assert [a[s:e] for s, e in spans_a] == shared
    assert all("落实" in b[s:e] or "惩戒力度" in b[s:e] for s, e in spans_b)
