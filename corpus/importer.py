"""Read a plan supplied by a user (.txt, .docx, .pdf) into plain text for the corpus.

Every refusal raises PlanImportError with a bilingual "中文 / English" message.
"""
from __future__ import annotations

import codecs
from pathlib import Path

import config

SUFFIXES = (".txt", ".docx", ".pdf")

# Share of control / unassigned characters above which a decoded .txt counts as binary.
_MAX_NONPRINTABLE = 0.05


class PlanImportError(Exception):
    """A plan file or its metadata was refused; the message is meant for the user."""


def read_plan_text(path: Path) -> str:
    """The text of a plan file, lines separated by "\\n"."""
    path = Path(path)
    if not path.is_file():
        raise PlanImportError(f"找不到文件：{path} / File not found: {path}")
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise PlanImportError(
            f"不支持的文件类型“{path.suffix or '（无扩展名）'}”，请提供 .txt、.docx 或 .pdf 文件"
            f"（旧版 .doc 请另存为 .docx） / Unsupported file type '{path.suffix}': "
            "use .txt, .docx or .pdf (save old .doc files as .docx)")
    size = path.stat().st_size
    if size > config.MAX_PLAN_BYTES:
        limit_mb = config.MAX_PLAN_BYTES // (1024 * 1024)
        raise PlanImportError(f"文件过大（{size} 字节，上限 {limit_mb} MB） / "
                              f"File too large ({size} bytes, limit {limit_mb} MB)")
    if size == 0:
        raise PlanImportError(f"文件为空：{path.name} / The file is empty: {path.name}")

    reader = {".txt": _read_txt, ".docx": _read_docx, ".pdf": _read_pdf}[suffix]
    text = reader(path).replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise PlanImportError(f"文件中没有可读取的文字：{path.name} / "
                              f"No text could be read from {path.name}")
    return text


def _decode(data: bytes) -> str:
    """Decode UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    if data.startswith(codecs.BOM_UTF8):
        return data.decode("utf-8-sig")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def _read_txt(path: Path) -> str:
    data = path.read_bytes()
    binary_msg = (f"{path.name} 不是文本文件（疑似二进制文件） / "
                  f"{path.name} is not a text file (looks binary)")
    utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if b"\x00" in data and not utf16:
        raise PlanImportError(binary_msg)
    try:
        text = _decode(data)
    except UnicodeDecodeError:
        raise PlanImportError(
            f"无法识别 {path.name} 的文字编码，请另存为 UTF-8 或 GB18030/GBK 编码的文本 / "
            f"Cannot decode {path.name}: save it as UTF-8 or GB18030/GBK text") from None
    nonprintable = sum(1 for ch in text if not ch.isprintable() and ch not in "\n\r\t")
    if nonprintable > _MAX_NONPRINTABLE * len(text):
        raise PlanImportError(binary_msg)
    return text


def _cell_lines(table) -> list[str]:
    """One line per table row, cells joined by tabs; a merged cell's text appears once."""
    seen = set()
    lines = []
    for row in table.rows:
        cells = [""] * row.grid_cols_before
        for cell in row.cells:
            # Horizontal spans repeat the same cell; vertical spans repeat the top cell.
            if cell._tc in seen:
                cells.append("")
                continue
            seen.add(cell._tc)
            texts = (p.text.replace("\n", " ").strip() for p in cell.paragraphs)
            cells.append(" ".join(t for t in texts if t))
        lines.append("\t".join(cells))
    return lines


def _read_docx(path: Path) -> str:
    from docx import Document
    from docx.table import Table

    try:
        document = Document(str(path))
        lines = []
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                lines += _cell_lines(block)
            else:
                lines.append(block.text)
    # python-docx raises many types (zip, XML, key errors) on damaged files.
    except Exception as exc:
        raise PlanImportError(f"无法读取 Word 文件 {path.name}（文件可能已损坏）：{exc} / "
                              f"Cannot read the Word file {path.name} (damaged?): {exc}") from exc
    return "\n".join(lines)


def _read_pdf(path: Path) -> str:
    from pypdf import PdfReader

    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            raise PlanImportError(f"PDF 文件 {path.name} 已加密，请先解除密码保护 / "
                                  f"The PDF {path.name} is password-protected: remove the password first")
        pages = [page.extract_text() or "" for page in reader.pages]
    except PlanImportError:
        raise
    # pypdf raises many types (PdfReadError, struct, crypto dependency errors) on bad files.
    except Exception as exc:
        raise PlanImportError(f"无法读取 PDF 文件 {path.name}（文件可能已损坏）：{exc} / "
                              f"Cannot read the PDF {path.name} (damaged?): {exc}") from exc
    if not any(p.strip() for p in pages):
        raise PlanImportError(f"PDF 文件 {path.name} 中没有可提取的文字（可能是扫描件，请先进行文字识别） / "
                              f"No text could be extracted from {path.name} (a scanned PDF? run OCR first)")
    return "\n".join(pages)
