"""Word documents as offices write them: list numbering, a real TOC field with nested PAGEREF
fields, 专栏 boxes, merged table cells and two-line headers, bold lead phrases."""
from __future__ import annotations

from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from corpus.importing import read_plan
from corpus.model import PlanInfo
from corpus.parser import parse_plan
from scripts.make_fixtures import LAYOUTS, _field, _numbering, _styles


def _toc(document) -> None:
    """A TOC field whose entries hold PAGEREF fields, in plain (non-TOC) paragraph styles."""
    first = document.add_paragraph()
    _field(first, 'TOC \\o "1-2" \\h', "")            # begin … end of the TOC itself comes later
    first._p.remove(first._p[-1])                     # keep the TOC field open: drop its 'end'
    for entry in ("第一章 总体要求\t1", "第二章 主要任务\t2"):
        p = document.add_paragraph(entry.split("\t")[0] + "\t")
        _field(p, "PAGEREF _Toc1 \\h", entry.split("\t")[1])
    closing = document.add_paragraph()
    _field(closing, "PAGE", "")                       # a field that opens and closes inside
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    closing.add_run()._r.append(end)


def test_word_structure_is_read(tmp_path):
    doc = Document()
    _styles(doc, LAYOUTS["b5"])
    _numbering(doc, "zhang")
    doc.add_paragraph("某市“十四五”人力资源和社会保障事业发展规划", style="Title")
    doc.add_paragraph("目  录")
    _toc(doc)
    doc.add_paragraph("总体要求", style="Heading 1")
    doc.add_paragraph("发展目标", style="Heading 2")
    lead = doc.add_paragraph()
    lead.add_run("——")
    lead.add_run("就业更加充分。").bold = True
    lead.add_run("城镇新增就业稳定增长。")
    table = doc.add_table(rows=5, cols=4)
    for r, row in enumerate([["指标", "“十四五”时期", "", "属性"], ["", "2020年", "2025年", ""],
                             ["一、就业", "", "", ""], ["1. 城镇新增就业人数（万人）", "[10]", "[12]", "预期性"],
                             ["2. 城镇调查失业率（%）", "5.2", "<5.5", "预期性"]]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    table.cell(0, 0).merge(table.cell(1, 0))
    table.cell(0, 3).merge(table.cell(1, 3))
    table.cell(0, 1).merge(table.cell(0, 2)).text = "“十四五”时期"
    table.cell(2, 0).merge(table.cell(2, 3)).text = "一、就业"
    doc.add_paragraph("主要任务", style="Heading 1")
    box = doc.add_table(rows=1, cols=1).cell(0, 0)
    box.paragraphs[0].text = "专栏1 就业促进工程"
    box.add_paragraph("01 创业孵化基地建设")
    box.add_paragraph("建设一批创业孵化基地。")
    src = tmp_path / "plan.docx"
    doc.save(src)
    imported = read_plan(src)
    lines = imported.text.split("\n")
    assert lines[:4] == ["某市“十四五”人力资源和社会保障事业发展规划", "第一章 总体要求", "第一节 发展目标",
                         "——**就业更加充分。**城镇新增就业稳定增长。"]
    assert lines[4:8] == ["指标\t2020年\t2025年\t属性", "一、就业\t\t\t",
                          "1. 城镇新增就业人数（万人）\t[10]\t[12]\t预期性", "2. 城镇调查失业率（%）\t5.2\t<5.5\t预期性"]
    assert lines[8:] == ["第二章 主要任务", "专栏1 就业促进工程", "01 创业孵化基地建设", "建设一批创业孵化基地。"]
    assert imported.warnings == ["目录已跳过（4 行）"]
    plan = parse_plan(PlanInfo("moushi", "某市规划", "", "province"), imported.text)
    assert [c.title for c in plan.chapters] == ["第一章 总体要求", "第二章 主要任务"]
    assert [c.lead for c in plan.chunks if c.text.startswith("——")] == ["就业更加充分"]
    assert [(c.heading_path[-1], c.lead) for c in plan.chunks if c.kind == "column"] == [
        ("专栏1 就业促进工程", "创业孵化基地建设")]
