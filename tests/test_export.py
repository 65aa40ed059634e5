"""xlsx / docx exports reopen with Chinese rows and their citation columns."""
import io

from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook

from search.export.writers import CITATION_COLUMNS, CJK_FONT, chunk_citation, to_docx, to_xlsx
from search.indicator_groups import review_indicators

REVIEW_COLUMNS = [("parent_name", "省级指标"), ("parent_target", "省级目标"), ("child_name", "市级指标"),
                  ("child_target", "市级目标"), ("verdict_label", "结论"), ("parent_line", "省级行号")]


def _chunk_rows(plan, needle):
    chunks = [c for c in plan.chunks if needle in c.text]
    return [{**chunk_citation(plan.info, c), "text": c.text} for c in chunks]


def test_xlsx_roundtrip(plans, tmp_path):
    rows = _chunk_rows(plans["fujian"], "实名制管理")
    assert rows
    review = review_indicators(plans["fujian"], plans["xiamen"])
    data = to_xlsx({"检索结果": rows}, CITATION_COLUMNS + [("text", "原文")])
    review_data = to_xlsx({"指标对照": review}, REVIEW_COLUMNS)
    path = tmp_path / "out.xlsx"
    path.write_bytes(data)
    ws = load_workbook(path)["检索结果"]
    assert [c.value for c in ws[1]] == ["规划", "章", "节", "行号", "原文"]
    first = [c.value for c in ws[2]]
    assert first[0] == plans["fujian"].info.title
    assert first[1].startswith("第") and first[3].startswith("L")
    assert "实名制管理" in first[4]
    sheet = load_workbook(io.BytesIO(review_data))["指标对照"]
    values = [[c.value for c in r] for r in sheet.iter_rows(min_row=2)]
    assert ["城镇登记失业率", "<5", "城镇登记失业率", "<5", "一致"] in [v[:5] for v in values]


def test_docx_roundtrip(plans, tmp_path):
    rows = _chunk_rows(plans["xiamen"], "实名制管理、工资专户管理")
    data = to_docx("跨规划比对结果", [("厦门市", rows), ("无结果的节", [])],
                   CITATION_COLUMNS + [("text", "原文")])
    path = tmp_path / "out.docx"
    path.write_bytes(data)
    doc = Document(str(path))
    texts = [p.text for p in doc.paragraphs]
    assert "跨规划比对结果" in texts and "厦门市" in texts and "（无结果）" in texts
    table = doc.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["规划", "章", "节", "行号", "原文"]
    body = [c.text for c in table.rows[1].cells]
    assert body[0] == plans["xiamen"].info.title
    assert body[3] == chunk_citation(plans["xiamen"].info, next(
        c for c in plans["xiamen"].chunks if "实名制管理、工资专户管理" in c.text))["lines"]
    assert "工资专户管理" in body[4]
    assert doc.styles["Normal"].element.rPr.rFonts.get(qn("w:eastAsia")) == CJK_FONT


def test_review_export_has_one_row_per_provincial_measure_with_evidence(plans, tmp_path):
    from search.export.rows import review_sections, relabel
    from search.review import review
    from tests.test_index_support import engine
    result = review(engine(), plans, "jinjiang")
    sections = review_sections(result)
    data = to_xlsx({title: relabel(rows, cols) for title, rows, cols in sections})
    sheet = load_workbook(io.BytesIO(data))["措施覆盖"]
    header = [c.value for c in sheet[1]]
    assert {"结论", "上级措施", "上级·行号", "已落实的举措", "未落实的举措", "依据", "相同措辞", "下级·行号"} <= set(header)
    body = [dict(zip(header, [c.value for c in r])) for r in sheet.iter_rows(min_row=2)]
    assert len(body) == len(result.measures)
    assert {r["结论"] for r in body} <= {"已覆盖", "部分覆盖", "未覆盖"}
    assert all(r["下级·行号"].startswith("L") and r["依据"] for r in body)
    covered = [r for r in body if r["结论"] == "已覆盖"]
    assert covered and all(r["已落实的举措"] for r in covered)
    doc = Document(io.BytesIO(to_docx("审查", [(t, relabel(rows, cols)) for t, rows, cols in sections])))
    assert len(doc.tables[0].rows) == len(result.measures) + 1


def test_precedent_export_rows_per_paragraph(tmp_path):
    from search.export.rows import PRECEDENT_COLUMNS, precedent_rows
    from search.precedents import find_precedents
    from tests.test_index_support import engine
    paragraphs = find_precedents(engine(), "1. 推行实名制管理、工资专户管理。\n2. 推进社会保障卡居民服务“一卡通”。", top=2)
    rows = precedent_rows(paragraphs)
    assert [r["paragraph"] for r in rows] == [1, 1, 2, 2]
    sheet = load_workbook(io.BytesIO(to_xlsx({"先例": rows}, PRECEDENT_COLUMNS)))["先例"]
    header = [c.value for c in sheet[1]]
    assert header[:5] == ["草稿段落", "序号", "匹配度", "覆盖的草稿分句", "先例多出的内容"]
    assert all(sheet.cell(r, header.index("行号") + 1).value.startswith("L") for r in range(2, 6))
