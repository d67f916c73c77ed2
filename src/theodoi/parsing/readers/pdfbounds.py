"""A PDF read within Limits: pages counted before any is read, streams decoded with a cap,
the objects of each page counted as pdfminer makes them.

Why here and not in pdfminer's settings: pdfminer has none. It decodes a stream whole
(``zlib.decompress``; a 20 MB file may inflate to gigabytes) and makes a Python object of
about 2 KB for every character and shape a page draws (a 3 KB PDF held 100,000 characters
on one page: 11 s and 211 MB). So:

- ``count_pages`` walks the page tree only as far as the bound;
- while ``decoding`` is active, the stream filters pdfminer uses (Flate, LZW, RunLength)
  are replaced in ``pdfminer.pdftypes`` by versions that stop once the document's streams
  together pass ``Limits.unpacked_mb`` (a context variable holds the budget, so each
  thread counts its own document); outside it they behave as pdfminer's own;
- ``layout`` builds a page's layout as pdfplumber's ``Page.layout`` does, with a device
  that counts characters, path segments, images and saved graphics states against
  ``Limits.page_objects``, an interpreter that refuses a content stream (or a form) whose
  decoded instructions pass ``Limits.content_mb`` before parsing it, and the time
  checked as it goes; it sets pdfplumber's cached ``_layout``, so the page's ``chars``,
  ``find_tables`` and ``extract_text_lines`` use it.
"""

from __future__ import annotations

import contextlib
import io
import zlib
from collections.abc import Iterator
from contextvars import ContextVar
from itertools import islice
from typing import Any

from pdfminer import pdftypes
from pdfminer.lzw import LZWDecoder
from pdfminer.pdfinterp import PDFPageInterpreter
from pdfminer.pdfpage import PDFPage
from pdfminer.pdftypes import stream_value
from pdfplumber.page import PDFPageAggregatorWithMarkedContent

from theodoi.parsing.readers.limits import MB, BoundError, Limits, Reading, number, refusal

CHUNK = 256 * 1024
_CHECK_EVERY = 1000  # objects between two looks at the clock

_REDO = "hãy in lại văn bản ra PDF từ tệp gốc (Word: File > Save As > PDF) hoặc dùng tệp .docx"
_DRAWINGS = "hãy bỏ các trang bản đồ, biểu đồ, hình vẽ khỏi tệp hoặc dùng tệp .docx"


class _Budget:
    """The bytes the document's streams may still expand to; the first refusal is kept, so
    a caller that swallowed it (pdfminer catches some errors and goes on) is caught after."""

    def __init__(self, limits: Limits, reading: Reading) -> None:
        self.limits = limits
        self.reading = reading
        self.left = limits.unpacked_bytes
        self.refused: BoundError | None = None

    def spend(self, size: int) -> None:
        self.left -= size
        if self.left < 0:
            self.refused = self.refused or refusal(
                "unpacked_mb",
                f"tệp PDF giải nén ra hơn {number(self.limits.unpacked_mb)} MB",
                _REDO,
            )
            raise self.refused
        self.reading.check()


_BUDGET: ContextVar[_Budget | None] = ContextVar("theodoi_pdf_budget", default=None)


def _inflate(data: bytes) -> bytes:
    """zlib.decompress, bounded: the output is made in chunks, each paid for before the next."""
    budget = _BUDGET.get()
    if budget is None:
        return zlib.decompress(data)
    decompressor = zlib.decompressobj()
    parts = []
    pending = data
    while True:
        part = decompressor.decompress(pending, CHUNK)
        budget.spend(len(part))
        parts.append(part)
        pending = decompressor.unconsumed_tail
        if decompressor.eof or (not pending and len(part) < CHUNK):
            break
    if not decompressor.eof:  # as zlib.decompress says of a stream cut short
        raise zlib.error("Error -5 while decompressing data: incomplete or truncated stream")
    return b"".join(parts)


class _CountedDecompressor:
    """zlib's decompressor, its output paid for (pdfminer feeds a damaged stream byte by byte
    through one)."""

    def __init__(self, *args: Any) -> None:
        self._decompressor = zlib.decompressobj(*args)

    def decompress(self, data: bytes, max_length: int = 0) -> bytes:
        part = self._decompressor.decompress(data, max_length)
        budget = _BUDGET.get()
        if budget is not None:
            budget.spend(len(part))
        return part

    def __getattr__(self, name: str) -> Any:
        return getattr(self._decompressor, name)


class _BoundedZlib:
    """What pdfminer.pdftypes uses of the zlib module, bounded."""

    error = zlib.error
    decompress = staticmethod(_inflate)
    decompressobj = _CountedDecompressor


def _lzw(data: bytes) -> bytes:
    """pdfminer's lzwdecode, paid for as its decoder yields."""
    budget = _BUDGET.get()
    parts = []
    for part in LZWDecoder(io.BytesIO(data)).run():
        if budget is not None:
            budget.spend(len(part))
        parts.append(part)
    return b"".join(parts)


def _run_length(data: bytes) -> bytes:
    """pdfminer's rldecode (PDF Reference 1.4, 3.3.4), paid for as it grows: 2 bytes can
    stand for 128."""
    budget = _BUDGET.get()
    out = bytearray()
    at = paid = 0
    while at < len(data):
        length = data[at]
        if length == 128:
            break
        if length < 128:
            run = data[at + 1 : at + 2 + length]
            if len(run) < length + 1:
                raise ValueError("RunLengthDecode: dữ liệu bị cắt")
            out += run
            at += length + 2
        else:
            if at + 1 >= len(data):
                raise ValueError("RunLengthDecode: dữ liệu bị cắt")
            out += data[at + 1 : at + 2] * (257 - length)
            at += 2
        if budget is not None and len(out) - paid >= CHUNK:
            budget.spend(len(out) - paid)
            paid = len(out)
    if budget is not None:
        budget.spend(len(out) - paid)
    return bytes(out)


def _install() -> None:
    """Put the bounded filters where pdfminer.pdftypes looks them up; refuse to run (rather
    than read unbounded) if a pdfminer release moved them."""
    for name in ("zlib", "lzwdecode", "rldecode"):
        if not hasattr(pdftypes, name):
            raise ImportError(f"pdfminer.pdftypes.{name} không còn: cần sửa readers/pdfbounds")
    pdftypes.zlib = _BoundedZlib  # type: ignore[assignment]
    pdftypes.lzwdecode = _lzw
    pdftypes.rldecode = _run_length


_install()


@contextlib.contextmanager
def decoding(limits: Limits, reading: Reading) -> Iterator[None]:
    """Within: the current thread's PDF streams decode within ``limits.unpacked_mb``. Raises
    the refusal at the end too, had pdfminer swallowed it."""
    budget = _Budget(limits, reading)
    token = _BUDGET.set(budget)
    try:
        yield
    finally:
        _BUDGET.reset(token)
    if budget.refused is not None:
        raise budget.refused


def count_pages(document: Any, limits: Limits) -> int:
    """The pages of a pdfminer document, walking its page tree no further than the bound."""
    pages = sum(1 for _ in islice(PDFPage.create_pages(document), limits.pages + 1))
    if pages > limits.pages:
        raise refusal(
            "pages",
            f"tệp PDF có hơn {number(limits.pages)} trang",
            "hãy tách phần chương trình (bỏ các phụ lục không có nhiệm vụ) hoặc dùng tệp .docx",
        )
    return pages


class _Counter:
    """The objects of one page so far, against ``Limits.page_objects``."""

    def __init__(self, limits: Limits, reading: Reading, page: int) -> None:
        self.limits = limits
        self.reading = reading
        self.page = page
        self.count = 0

    def add(self, count: int = 1) -> None:
        before = self.count
        self.count += count
        if self.count > self.limits.page_objects:
            raise refusal(
                "page_objects",
                f"trang {self.page} của tệp PDF có hơn {number(self.limits.page_objects)} "
                "đối tượng (chữ, nét vẽ, hình)",
                _DRAWINGS,
            )
        if before // _CHECK_EVERY != self.count // _CHECK_EVERY:
            self.reading.check()


class _CountingAggregator(PDFPageAggregatorWithMarkedContent):
    """pdfplumber's device, counting what it is given to draw before it makes an object."""

    def __init__(self, *args: Any, counter: _Counter, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.counter = counter
        self._painting = False

    def render_char(self, *args: Any, **kwargs: Any) -> float:  # type: ignore[override]
        self.counter.add()
        return super().render_char(*args, **kwargs)

    def render_image(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        self.counter.add()
        super().render_image(*args, **kwargs)

    def paint_path(self, gstate: Any, stroke: Any, fill: Any, evenodd: Any, path: Any) -> None:  # type: ignore[override]
        if self._painting:  # pdfminer splits a path into its subpaths: counted once
            super().paint_path(gstate, stroke, fill, evenodd, path)
            return
        self.counter.add(max(1, len(path)))
        self._painting = True
        try:
            super().paint_path(gstate, stroke, fill, evenodd, path)
        finally:
            self._painting = False


class _BoundedInterpreter(PDFPageInterpreter):
    """pdfminer's interpreter, refusing instructions too long to parse and counting saved
    graphics states (each a copy, kept until restored)."""

    def execute(self, streams: Any) -> None:
        counter: _Counter = self.device.counter  # type: ignore[attr-defined]
        limits = counter.limits
        size = 0
        for stream in streams:
            data = stream_value(stream).get_data()
            size += len(data) if data else 0
        if size > limits.content_mb * MB:
            raise refusal(
                "content_mb",
                f"trang {counter.page} của tệp PDF có hơn {number(limits.content_mb)} MB lệnh vẽ",
                _DRAWINGS,
            )
        super().execute(streams)

    def do_q(self) -> None:
        self.device.counter.add()  # type: ignore[attr-defined]
        super().do_q()


def layout(page: Any, limits: Limits, reading: Reading) -> None:
    """Build a pdfplumber page's layout within the bounds (see the module docstring)."""
    counter = _Counter(limits, reading, page.page_number)
    device = _CountingAggregator(
        page.pdf.rsrcmgr, pageno=page.page_number, laparams=page.pdf.laparams, counter=counter
    )
    _BoundedInterpreter(page.pdf.rsrcmgr, device).process_page(page.page_obj)
    page._layout = device.get_result()


__all__ = ["count_pages", "decoding", "layout"]
