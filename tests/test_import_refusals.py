"""Bad published files are refused with a bilingual message and leave the corpus unchanged."""
from __future__ import annotations

import io

import pytest
from docx import Document
from PIL import Image, ImageDraw
from pypdf import PdfReader, PdfWriter

import config
from corpus.adding import add_batch
from tests.test_add_plan import assert_bilingual, corpus_dir, refuse, snapshot  # noqa: F401

FIXTURES = config.ROOT / "tests" / "fixtures" / "published"


def encrypted(src, user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(src))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def scanned_pdf() -> bytes:
    """A page that is only a picture of text (no text layer), as a scanner makes it."""
    img = Image.new("L", (600, 800), 255)
    ImageDraw.Draw(img).rectangle((60, 80, 540, 120), fill=0)
    out = io.BytesIO()
    img.save(out, format="PDF")
    return out.getvalue()


def test_refuses_password_protected_pdf(corpus_dir, tmp_path):
    src = tmp_path / "plan.pdf"
    src.write_bytes(encrypted(FIXTURES / "hainan-b5.pdf", "secret"))
    message = refuse(corpus_dir, src)
    assert_bilingual(message)
    assert "加密" in message and "password" in message


def test_reads_pdf_encrypted_without_user_password(corpus_dir, tmp_path):
    """Printing restrictions (owner password only) do not stop reading."""
    src = tmp_path / "plan.pdf"
    src.write_bytes(encrypted(FIXTURES / "hainan-b5.pdf", ""))
    (result,) = add_batch([src], corpus_dir=corpus_dir, overrides={"plan_id": "hainan2"})
    assert not result.error, result.error
    assert result.report.chapters == 3 and result.report.indicators_14th == 27


def test_refuses_scanned_pdf(corpus_dir, tmp_path):
    src = tmp_path / "scan.pdf"
    src.write_bytes(scanned_pdf())
    message = refuse(corpus_dir, src)
    assert_bilingual(message)
    assert "扫描件" in message and "OCR" in message


def test_refuses_truncated_docx(corpus_dir, tmp_path):
    data = (FIXTURES / "xiamen-a4.docx").read_bytes()
    src = tmp_path / "plan.docx"
    src.write_bytes(data[: len(data) // 2])
    assert_bilingual(refuse(corpus_dir, src))


def test_refuses_doc_renamed_docx(corpus_dir, tmp_path):
    src = tmp_path / "plan.docx"
    src.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4096)   # an OLE2 (.doc) file
    message = refuse(corpus_dir, src)
    assert_bilingual(message)
    assert ".doc" in message


def test_refuses_a_file_that_is_not_a_plan(corpus_dir, tmp_path):
    doc = Document()
    doc.add_paragraph("关于召开年度工作会议的通知")
    doc.add_paragraph("各处室：定于下周一上午九点在三楼会议室召开年度工作会议，请准时参加。")
    src = tmp_path / "letter.docx"
    doc.save(src)
    before = snapshot(corpus_dir)
    (result,) = add_batch([src], corpus_dir=corpus_dir, overrides={"plan_id": "letter", "title": "通知",
                                                                     "level": "province"})
    assert "未识别到章节标题" in result.error and "does not look like a plan" in result.error
    assert snapshot(corpus_dir) == before
    (result,) = add_batch([src], corpus_dir=corpus_dir, allow_flat=True,
                          overrides={"plan_id": "letter", "title": "通知", "level": "province"})
    assert not result.error and any("no headings" in w for w in result.report.warnings)
