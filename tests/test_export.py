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
