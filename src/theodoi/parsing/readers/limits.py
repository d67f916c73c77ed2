"""Bounds on what reading one document may cost, so that a hostile file is refused instead of
taking a worker's memory and time.

A 380 KB .docx can expand to 100 MB of XML (33 s and 1.35 GB in a worker before these bounds);
a 3 KB PDF can hold 100,000 characters on one page (2 KB of memory each in pdfplumber). The
upload limit (20 MB) bounds the file, not what it expands to, so every reader checks what
the file declares before expanding anything (a zip's central directory, a PDF's page count)
and then counts what it actually expands (bytes decompressed, XML elements, objects on a
page, seconds), stopping at the first bound passed. Each refusal says which bound and what to
do, in Vietnamese, as a ParseError (``BoundError``) that every face already shows.

The defaults keep a read within about 300 MB above the process's own size for any upload
within the 20 MB limit (bench/hostile_documents.py measures it). The faces pass the bounds
from Django's settings (``THEODOI_IMPORT_LIMITS``, filled from ``THEODOI_IMPORT_MAX_*``);
this module imports nothing from Django.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from dataclasses import dataclass

from theodoi.parsing.blocks import ParseError

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """The bounds of one read. Every field is a positive whole number."""

    unpacked_mb: int = 60  # a .docx's members together, a PDF's streams decoded
    members: int = 1000  # parts (zip members) of a .docx
    ratio: int = 100  # uncompressed ÷ compressed size of a .docx part that is read
    xml_nodes: int = 800_000  # XML elements and attributes of the parts read
    xml_depth: int = 100  # elements nested inside each other
    pages: int = 500  # pages of a PDF
    page_objects: int = 20_000  # characters, path segments, images on one PDF page
    content_mb: int = 4  # drawing instructions of one PDF page (or of one form on it)
    ocr_pages: int = 50  # pages of a scanned PDF (text recognition)
    ocr_seconds: int = 900  # text recognition of a scanned PDF
    text_chars: int = 2_000_000  # text read (some 700 pages; parsing costs up to 40x in memory)
    seconds: int = 120  # reading a document's text (after OCR: its result's, again)

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{field.name}: cần một số nguyên dương, không phải {value!r}")

    @classmethod
    def from_settings(cls, values: Mapping[str, object] | None) -> Limits:
        """The defaults with ``values`` (field name -> number, as Django's settings hold them)
        put over them; an unknown name is an error, not silently ignored."""
        values = dict(values or {})
        unknown = set(values) - {field.name for field in dataclasses.fields(cls)}
        if unknown:
            raise ValueError(f"giới hạn không có: {', '.join(sorted(unknown))}")
        return cls(**values)  # type: ignore[arg-type]

    @property
    def unpacked_bytes(self) -> int:
        return self.unpacked_mb * MB


class BoundError(ParseError):
    """A document refused because reading it would pass one of the Limits; ``bound`` names
    the field (so a caller or a test can tell which), the message says what to do."""

    def __init__(self, bound: str, message: str) -> None:
        super().__init__(message)
        self.bound = bound


def number(value: int) -> str:
    """A whole number as Vietnamese writes it: 20.000."""
    return f"{value:,}".replace(",", ".")


ASK_ADMIN = "hoặc nhờ quản trị hệ thống nâng giới hạn {}"
SETTING = "THEODOI_IMPORT_MAX_{}"


def refusal(bound: str, what: str, advice: str) -> BoundError:
    """The refusal for ``bound``: what passed it, what to do, and which setting raises it."""
    setting = SETTING.format(bound.upper())
    return BoundError(bound, f"{what}: {advice}, {ASK_ADMIN.format(setting)}")


class Reading:
    """One document being read within ``limits``: the time it may still take
    (Limits.seconds) and the text read so far (Limits.text_chars). The readers ask
    ``check()`` between pieces of work (a chunk of a part, a page, a paragraph) and count
    the text they make with ``text()``."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.ends = time.monotonic() + limits.seconds
        self.chars = 0

    def check(self) -> None:
        if time.monotonic() > self.ends:
            raise refusal(
                "seconds",
                f"đọc tệp quá {number(self.limits.seconds)} giây",
                "hãy chia văn bản thành các tệp nhỏ hơn hoặc lưu lại thành .docx",
            )

    def text(self, count: int) -> None:
        """Count ``count`` more characters of text read."""
        self.chars += count
        if self.chars > self.limits.text_chars:
            raise too_much_text(self.limits)


def too_much_text(limits: Limits) -> BoundError:
    return refusal(
        "text_chars",
        f"văn bản dài hơn {number(limits.text_chars)} ký tự",
        "hãy tách phần chương trình (bỏ các phụ lục không có nhiệm vụ) ra một tệp ngắn hơn",
    )


__all__ = ["MB", "BoundError", "Limits", "Reading", "number", "refusal", "too_much_text"]
