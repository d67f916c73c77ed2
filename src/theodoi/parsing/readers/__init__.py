"""Readers: a file (Markdown, plain text, .docx, .pdf) in, a flat list of blocks out.

    >>> from theodoi.parsing.readers import read_file
    >>> blocks = read_file("chuong-trinh.docx")  # [Paragraph(...), Table(...), ...]

Every reader cleans text the same way (readers.clean): NFC, emphasis and list markers removed
(the innermost marker kept as ``bullet``), numbering kept, paragraphs cut by a line or page
break rejoined. Every failure is a ParseError whose message a person can act on; the caller
adds the file name. A .docx or .pdf is read within ``limits`` (readers.limits: what it may
expand to, its pages, the time), the defaults unless the caller gives its own.
"""

from __future__ import annotations

import codecs
import os
from pathlib import Path
from typing import BinaryIO

from theodoi.parsing.blocks import Block, ParseError
from theodoi.parsing.files import read_bytes
from theodoi.parsing.readers.clean import has_content
from theodoi.parsing.readers.docx import OLE_HEADER, read_docx_bytes
from theodoi.parsing.readers.limits import BoundError, Limits, too_much_text
from theodoi.parsing.readers.markdown import decode, read_markdown
from theodoi.parsing.readers.package import declared_members
from theodoi.parsing.readers.pdf import read_pdf_bytes

TEXT_SUFFIXES = frozenset({".md", ".markdown", ".txt", ""})
SUPPORTED = ".md, .txt, .docx, .pdf"

EMPTY = "tệp rỗng (không có nội dung)"
NO_CONTENT = "không có nội dung văn bản"

Source = str | os.PathLike[str] | bytes | bytearray | memoryview | BinaryIO


def _bytes(source: Source) -> bytes:
    """The bytes of a path, a bytes object or a binary file object."""
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source)
    if isinstance(source, str | os.PathLike):
        return _read_path(Path(source))
    try:
        data = source.read()
    except OSError as exc:
        raise ParseError(f"không đọc được tệp: {exc.strerror or exc}") from exc
    if isinstance(data, str):
        raise ParseError("cần tệp mở ở chế độ nhị phân (binary), không phải văn bản")
    return bytes(data)


def _read_path(path: Path) -> bytes:
    return read_bytes(path, ParseError)


def _checked(blocks: list[Block]) -> list[Block]:
    if not has_content(blocks):
        raise ParseError(NO_CONTENT)
    return blocks


def read_text(
    text: str, *, hard_wrap: bool | None = None, limits: Limits | None = None
) -> list[Block]:
    """Blocks of Markdown (or plain) text already in memory.

    Markdown rules, unless ``hard_wrap`` is True (plain text whose lines are lines of a page)
    or None and the text has no blank line at all. A text longer than ``limits.text_chars``
    is refused.
    """
    if not text.strip():
        raise ParseError(EMPTY)
    limits = limits or Limits()
    if len(text) > limits.text_chars:
        raise too_much_text(limits)
    return _checked(read_markdown(text, hard_wrap=hard_wrap))


def read_docx(source: Source, *, limits: Limits | None = None) -> list[Block]:
    """Blocks of a Word .docx (a path, bytes or a binary file object)."""
    data = _bytes(source)
    if not data:
        raise ParseError(EMPTY)
    return _checked(read_docx_bytes(data, limits=limits))


def read_pdf(source: Source, *, limits: Limits | None = None) -> list[Block]:
    """Blocks of a PDF (a path, bytes or a binary file object); a scan is read through OCR."""
    data = _bytes(source)
    if not data:
        raise ParseError(EMPTY)
    return _checked(read_pdf_bytes(data, limits=limits))


def _is_docx(data: bytes, limits: Limits) -> bool:
    """Whether a zip holds a Word document; a zip declaring more members than a .docx may
    have is not one (its directory is not read)."""
    import io
    import zipfile

    declared = declared_members(data)
    if declared is not None and declared > limits.members:
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except Exception:  # not a readable zip at all
        return False


def _blank(data: bytes) -> bool:
    """Nothing but white space (and a byte order mark) in the file."""
    for bom in (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        if data.startswith(bom):
            data = data[len(bom) :]
            break
    return not data.strip(b" \t\r\n\f\v\x00")


def read_file(path: str | os.PathLike[str], *, limits: Limits | None = None) -> list[Block]:
    """Blocks of a .md, .markdown, .txt (or suffix-less text), .docx or .pdf file.

    The content decides before the name does: a PDF named .txt is read as a PDF, a Word
    document named .zip as a Word document, a legacy .doc is refused whatever its name.
    """
    path = Path(path)
    limits = limits or Limits()
    data = _read_path(path)
    suffix = path.suffix.lower()
    if _blank(data):
        raise ParseError(EMPTY)
    if b"%PDF-" in data[:1024]:
        return read_pdf(data, limits=limits)
    if data.startswith(b"PK\x03\x04") and (suffix == ".docx" or _is_docx(data, limits)):
        return read_docx(data, limits=limits)  # or raises why it is not a Word document
    if data.startswith(OLE_HEADER) and suffix in (".doc", ".docx", ".dot", ".rtf", ""):
        return read_docx(data)  # raises: legacy Word format, save as .docx
    if suffix in (".doc", ".dot"):
        raise ParseError("tệp Word cũ (.doc): hãy mở bằng Word và lưu thành .docx")
    if suffix == ".docx":
        return read_docx(data, limits=limits)
    if suffix == ".pdf":
        return read_pdf(data, limits=limits)
    if suffix in TEXT_SUFFIXES:
        return read_text(decode(data), hard_wrap=True if suffix == ".txt" else None, limits=limits)
    raise ParseError(f"định dạng không hỗ trợ: {suffix} (hỗ trợ {SUPPORTED})")


__all__ = ["BoundError", "Limits", "ParseError", "read_docx", "read_file", "read_pdf", "read_text"]
