"""Adding a plan to a copy of the corpus: accepted formats, refusals, and the CLI."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from docx import Document

import config
import corpus.adding
from corpus.adding import add_plan
from corpus.importing import PlanImportError, read_plan_text
from corpus.loader import load_corpus
from corpus.manifest import read_manifest

ROOT = Path(__file__).resolve().parent.parent

PLAN_TEXT = """某市人力资源和社会保障事业发展“十四五”规划

第一章 发展基础

第一节 主要成就

就业形势总体稳定，城镇新增就业持续增长。

第二章 主要任务

第一节 根治欠薪

全面落实保障农民工工资支付条例，健全根治欠薪长效机制。
"""


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    """A writable copy of the shipped corpus (plans and manifest)."""
    target = tmp_path / "corpus"
    shutil.copytree(config.ROOT / "corpus" / "plans", target / "plans", copy_function=shutil.copyfile)
    shutil.copyfile(config.ROOT / "corpus" / "plans.toml", target / "plans.toml")
    return target


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file below `directory`, by relative path, with its bytes."""
    return {str(p.relative_to(directory)): p.read_bytes()
            for p in sorted(directory.rglob("*")) if p.is_file()}


def make_pdf(pages: list[bytes]) -> bytes:
    """A minimal PDF with one content stream per page (F1 Helvetica, F2 STSong-Light UTF-16)."""
    objs = {1: b"<< /Type /Catalog /Pages 2 0 R >>"}
    kids = " ".join(f"{5 + 2 * i} 0 R" for i in range(len(pages)))
    objs[2] = f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode()
    objs[3] = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
    objs[4] = (b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UTF16-H "
               b"/DescendantFonts [<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
               b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> >>] >>")
    for i, content in enumerate(pages):
        objs[5 + 2 * i] = (f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
                           f"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> "
                           f"/Contents {6 + 2 * i} 0 R >>").encode()
        objs[6 + 2 * i] = b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for num in sorted(objs):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % num + objs[num] + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def cn(text: str) -> bytes:
    """A PDF hex string for the UniGB-UTF16-H font."""
    return b"<" + text.encode("utf-16-be").hex().encode() + b">"


def add(corpus_dir: Path, src: Path, plan_id: str = "moushi", **kwargs):
    args = {"title": "某市人社“十四五”规划", "level": "prefecture-level city", "parent": "fujian",
            "region": "福建省某市"}
    args.update(kwargs)
    return add_plan(src, plan_id=plan_id, corpus_dir=corpus_dir, **args)


def refuse(corpus_dir: Path, src: Path, **kwargs) -> str:
    """Adding src must be refused and leave the corpus byte-identical; returns the message."""
    before = snapshot(corpus_dir)
    with pytest.raises(PlanImportError) as err:
        add(corpus_dir, src, **kwargs)
    assert snapshot(corpus_dir) == before
    return str(err.value)


def plan_file(tmp_path: Path) -> Path:
    """A well-formed plan text to add."""
    src = tmp_path / "plan.txt"
    src.write_text(PLAN_TEXT, encoding="utf-8")
    return src


def assert_bilingual(message: str) -> None:
    assert " / " in message
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message)
    assert any(ch.isascii() and ch.isalpha() for ch in message)


# --- accepted formats -------------------------------------------------------

def test_add_gb18030_txt(corpus_dir, tmp_path):
    src = tmp_path / "plan.txt"
    src.write_bytes(PLAN_TEXT.encode("gb18030"))
    before = read_manifest(corpus_dir / "plans.toml")

    info, warnings = add(corpus_dir, src)

    assert (corpus_dir / "plans" / "moushi.txt").read_text(encoding="utf-8") == PLAN_TEXT
    after = read_manifest(corpus_dir / "plans.toml")
    assert after[:-1] == before
    assert after[-1] == info
    assert (info.id, info.file, info.parent, info.parent_name) == ("moushi", "moushi.txt", "fujian", "福建省")
    assert warnings == ["未找到“十四五”主要指标表"]      # the structure report says what is missing
    added = {p.id: p for p in load_corpus(corpus_dir)}["moushi"]
    assert len(added.chapters) == 2 and added.chunks


def test_add_utf8_bom_crlf_txt(corpus_dir, tmp_path):
    src = tmp_path / "plan.txt"
    src.write_bytes(b"\xef\xbb\xbf" + PLAN_TEXT.replace("\n", "\r\n").encode("utf-8"))
    add(corpus_dir, src)
    assert (corpus_dir / "plans" / "moushi.txt").read_bytes() == PLAN_TEXT.encode("utf-8")


def test_flat_plan_is_added_with_warning(corpus_dir, tmp_path):
    src = tmp_path / "plan.txt"
    src.write_text("健全根治欠薪长效机制。\n推进人社公共服务数字化转型。\n", encoding="utf-8")
    info, warnings = add(corpus_dir, src, parent="")
    assert any("no headings" in w for w in warnings)
    assert info.parent_name == ""
    assert read_manifest(corpus_dir / "plans.toml")[-1].id == "moushi"


def test_add_docx_paragraphs_and_table(corpus_dir, tmp_path):
    doc = Document()
    doc.add_heading("第一章 发展基础", level=1)
    doc.add_paragraph("就业形势总体稳定。")
    table = doc.add_table(rows=3, cols=3)
    title = table.cell(0, 0).merge(table.cell(0, 2))
    title.text = "专栏1 主要指标"
    for r, row in enumerate([["指标", "2020年", "2025年"], ["城镇新增就业人数（万人）", "[2.32]", "[2.5]"]], 1):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    doc.add_paragraph("第二章 主要任务")
    src = tmp_path / "plan.docx"
    doc.save(src)

    add(corpus_dir, src)

    lines = (corpus_dir / "plans" / "moushi.txt").read_text(encoding="utf-8").split("\n")
    assert lines == ["第一章 发展基础", "就业形势总体稳定。", "专栏1 主要指标\t\t", "指标\t2020年\t2025年",
                     "城镇新增就业人数（万人）\t[2.32]\t[2.5]", "第二章 主要任务"]


def test_add_pdf_pages_in_order(corpus_dir, tmp_path):
    src = tmp_path / "plan.pdf"
    src.write_bytes(make_pdf([
        b"BT /F2 14 Tf 72 760 Td " + cn("第一章 发展基础") + b" Tj 0 -20 Td /F1 12 Tf (Page one.) Tj ET",
        b"BT /F2 14 Tf 72 760 Td " + cn("第二章 根治欠薪") + b" Tj 0 -20 Td /F1 12 Tf (Page two.) Tj ET",
    ]))
    add(corpus_dir, src)
    text = (corpus_dir / "plans" / "moushi.txt").read_text(encoding="utf-8")
    assert text.split("\n") == ["第一章 发展基础", "Page one.", "第二章 根治欠薪", "Page two."]


# --- refusals leave the corpus byte-identical -------------------------------

BAD_FILES = {
    "empty.txt": b"",
    "blank.txt": b" \n\t\r\n\xe3\x80\x80\n",
    "nul.txt": "第一章".encode("utf-8") + b"\x00\x01\x02" * 50,
    "control.txt": bytes(range(1, 9)) * 200,
    "undecodable.txt": "第一章 发展基础".encode("utf-8") + b"\xff\xfe\xff",
    "plan.doc": PLAN_TEXT.encode("utf-8"),
    "plan": PLAN_TEXT.encode("utf-8"),
    "damaged.docx": b"PK\x03\x04 not really a zip archive",
    "damaged.pdf": b"%PDF-1.4\nthis is not a pdf body\n",
    "scanned.pdf": make_pdf([b"0 0 m 100 100 l S"]),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_refuses_bad_files(corpus_dir, tmp_path, name):
    src = tmp_path / name
    src.write_bytes(BAD_FILES[name])
    assert_bilingual(refuse(corpus_dir, src))


def test_refuses_missing_and_oversized_files(corpus_dir, tmp_path, monkeypatch):
    refuse(corpus_dir, tmp_path / "missing.txt")
    src = plan_file(tmp_path)
    monkeypatch.setattr(config, "MAX_PLAN_BYTES", 100)
    assert_bilingual(refuse(corpus_dir, src))


@pytest.mark.parametrize("kwargs", [
    {"plan_id": "fujian"},
    {"plan_id": "../x"},
    {"plan_id": "a/b"},
    {"plan_id": "has space"},
    {"plan_id": "Upper"},
    {"plan_id": "x"},
    {"plan_id": ""},
    {"plan_id": "a" * 41},
    {"parent": "nowhere"},
    {"level": "city"},
    {"title": "  "},
])
def test_refuses_bad_metadata(corpus_dir, tmp_path, kwargs):
    assert_bilingual(refuse(corpus_dir, plan_file(tmp_path), **kwargs))


def test_refuses_id_of_stray_plan_file(corpus_dir, tmp_path):
    (corpus_dir / "plans" / "moushi.txt").write_text("stray", encoding="utf-8")
    refuse(corpus_dir, plan_file(tmp_path))


def test_manifest_write_failure_removes_text_file(corpus_dir, tmp_path, monkeypatch):
    def fail(path, plans):
        raise OSError("disk full")
    monkeypatch.setattr(corpus.adding, "write_manifest", fail)
    assert "disk full" in refuse(corpus_dir, plan_file(tmp_path))


def test_parser_failure_writes_nothing(corpus_dir, tmp_path, monkeypatch):
    def fail(info, text):
        raise ValueError("unexpected layout")
    monkeypatch.setattr(corpus.adding, "parse_plan", fail)
    refuse(corpus_dir, plan_file(tmp_path))


def test_read_plan_text_utf16_with_bom(tmp_path):
    src = tmp_path / "plan.txt"
    src.write_bytes(PLAN_TEXT.encode("utf-16"))
    assert read_plan_text(src) == PLAN_TEXT


# --- CLI: python -m corpus add ----------------------------------------------

def run_cli(corpus_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, RENSHE_CORPUS_DIR=str(corpus_dir),
               RENSHE_INDEX_DIR=str(corpus_dir.parent / "index"))
    return subprocess.run([sys.executable, "-m", "corpus", "add", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def test_cli_add_success(corpus_dir, tmp_path):
    src = tmp_path / "plan.txt"
    src.write_bytes(PLAN_TEXT.encode("gb18030"))
    proc = run_cli(corpus_dir, str(src), "--id", "moushi", "--title", "某市人社规划",
                   "--level", "prefecture-level city", "--parent", "fujian")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout.startswith("added plan moushi: 某市人社规划")
    assert "结构：2 章 · 2 节" in proc.stdout
    assert read_manifest(corpus_dir / "plans.toml")[-1].id == "moushi"
    assert (corpus_dir / "plans" / "moushi.txt").read_text(encoding="utf-8") == PLAN_TEXT


@pytest.mark.parametrize("plan_id, level, content", [
    ("fujian", "province", PLAN_TEXT.encode("utf-8")),
    ("../x", "province", PLAN_TEXT.encode("utf-8")),
    ("moushi", "city", PLAN_TEXT.encode("utf-8")),
    ("moushi", "province", b"\x00\x01binary" * 20),
    ("moushi", "province", b""),
])
def test_cli_add_refusal(corpus_dir, tmp_path, plan_id, level, content):
    src = tmp_path / "plan.txt"
    src.write_bytes(content)
    before = snapshot(corpus_dir)
    proc = run_cli(corpus_dir, str(src), "--id", plan_id, "--title", "某市人社规划", "--level", level)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip()
    assert snapshot(corpus_dir) == before
