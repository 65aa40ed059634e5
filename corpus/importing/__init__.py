"""Read a plan supplied by a user (.txt, .docx, .pdf) into the line-based text the corpus
parser reads: one paragraph or heading per line, tables as tab-separated rows, 专栏 boxes as
their title line followed by their paragraphs. Running headers, footers, page numbers and
the table of contents are left out.

Every refusal raises PlanImportError with a bilingual "中文 / English" message.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import config
from corpus.importing.errors import PlanImportError

SUFFIXES = (".txt", ".docx", ".pdf")

__all__ = ["SUFFIXES", "ImportedText", "PlanImportError", "read_plan", "read_plan_text"]


@dataclass
class ImportedText:
    """A plan file read into corpus text, with what the reader noticed (Chinese warnings)."""
    text: str
    warnings: list[str] = field(default_factory=list)
    pages: int = 0               # PDF pages read (0 for other formats)


def _check_file(path: Path) -> str:
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
    return suffix


def read_plan(path: Path) -> ImportedText:
    """Read a plan file of any accepted format into corpus text."""
    path = Path(path)
    suffix = _check_file(path)
    if suffix == ".txt":
        from corpus.importing.text import read_txt as reader
    elif suffix == ".docx":
        from corpus.importing.docx import read_docx as reader
    else:
        from corpus.importing.pdf import read_pdf as reader
    imported = reader(path)
    imported.text = imported.text.replace("\r\n", "\n").replace("\r", "\n")
    if not imported.text.strip():
        raise PlanImportError(f"文件中没有可读取的文字：{path.name} / "
                              f"No text could be read from {path.name}")
    return imported


def read_plan_text(path: Path) -> str:
    """The corpus text of a plan file, lines separated by "\\n"."""
    return read_plan(path).text
