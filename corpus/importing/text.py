"""Plain-text plans: UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030/GBK."""
from __future__ import annotations

import codecs
from pathlib import Path

from corpus.importing import ImportedText, PlanImportError

# Share of control / unassigned characters above which a decoded .txt counts as binary.
_MAX_NONPRINTABLE = 0.05


def _decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    if data.startswith(codecs.BOM_UTF8):
        return data.decode("utf-8-sig")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def read_txt(path: Path) -> ImportedText:
    """The text of a .txt plan."""
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
    return ImportedText(text)
