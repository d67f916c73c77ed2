"""Scanned PDFs: Debian's ocrmypdf (Tesseract with its Vietnamese data) adds a text layer, which
the PDF reader then reads like any other.

Why a subprocess and not a Python binding: ocrmypdf is the tool offices already use, its Debian
package brings Tesseract, Ghostscript and the rasteriser together, and a scan that hangs or
crashes it cannot take the server process with it (the call has a timeout).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from theodoi.parsing.blocks import ParseError
from theodoi.parsing.readers.limits import number, refusal

OCRMYPDF = "ocrmypdf"
TESSERACT = "tesseract"
LANGUAGE = "vie"

MISSING = (
    "PDF không có lớp văn bản (bản quét); cần cài ocrmypdf và tesseract-ocr-vie để nhận dạng "
    "chữ (apt-get install ocrmypdf tesseract-ocr-vie), hoặc dùng tệp .docx gốc"
)
FAILED = "PDF không có lớp văn bản (bản quét) và nhận dạng chữ (OCR) không thành công: {}"
TIMED_OUT = "PDF không có lớp văn bản (bản quét) và nhận dạng chữ (OCR) quá {} giây"
NOTHING_FOUND = (
    "PDF không có lớp văn bản (bản quét) và nhận dạng chữ (OCR) không tìm thấy chữ nào: hãy quét "
    "lại rõ hơn (300 dpi) hoặc dùng tệp .docx gốc"
)

# ocrmypdf's exit codes that mean something a person can act on.
_EXIT_REASONS = {
    2: "tệp PDF đầu vào không hợp lệ",
    3: "thiếu chương trình phụ trợ của ocrmypdf (Ghostscript hoặc Tesseract)",
    4: "tệp kết quả không hợp lệ",
    8: "tệp PDF được bảo vệ bằng mật khẩu",
}


def _has_language(tesseract: str) -> bool:
    """Whether Tesseract has the Vietnamese data (the tesseract-ocr-vie package)."""
    try:
        listed = subprocess.run(
            [tesseract, "--list-langs"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return LANGUAGE in (listed.stdout + listed.stderr).split()


def available() -> bool:
    """Whether scanned PDFs can be read on this machine."""
    tesseract = shutil.which(TESSERACT)
    return bool(shutil.which(OCRMYPDF)) and tesseract is not None and _has_language(tesseract)


MAX_SECONDS = 900  # Limits.ocr_seconds by default


def timeout_for(pages: int, cap: int = MAX_SECONDS) -> int:
    """Seconds allowed for a document: a minute to start, half a minute a page, at most
    ``cap`` (15 minutes by default: a web request or an import must end)."""
    return min(60 + 30 * max(pages, 1), cap)


def recognise(data: bytes, *, pages: int = 1, seconds: int = MAX_SECONDS) -> bytes:
    """The PDF ``data`` with a text layer recognised from its page images (Vietnamese), in
    at most ``seconds`` (Limits.ocr_seconds).

    Raises ParseError with one line when the tools are missing, fail or take too long.
    """
    ocrmypdf = shutil.which(OCRMYPDF)
    tesseract = shutil.which(TESSERACT)
    if ocrmypdf is None or tesseract is None or not _has_language(tesseract):
        raise ParseError(MISSING)
    seconds = timeout_for(pages, seconds)
    with tempfile.TemporaryDirectory(prefix="theodoi-ocr-") as folder:
        source, target = Path(folder) / "scan.pdf", Path(folder) / "text.pdf"
        source.write_bytes(data)
        command = [
            ocrmypdf,
            *("-l", LANGUAGE),
            "--force-ocr",  # the file has no text worth keeping: every page is recognised
            *("--output-type", "pdf"),  # no PDF/A conversion: we only read the result
            *("--optimize", "0"),
            *("--tesseract-timeout", str(seconds)),
            "--quiet",
            str(source),
            str(target),
        ]
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}  # ocrmypdf runs pages in parallel itself
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=seconds, check=False, env=env
            )
        except subprocess.TimeoutExpired:
            raise refusal(
                "ocr_seconds",
                TIMED_OUT.format(number(seconds)),
                "hãy chia nhỏ tệp hoặc dùng tệp .docx gốc",
            ) from None
        except OSError as exc:
            raise ParseError(FAILED.format(exc.strerror or exc)) from None
        if done.returncode != 0 or not target.exists():
            reason = _EXIT_REASONS.get(done.returncode)
            if reason is None:
                last = [line for line in done.stderr.splitlines() if line.strip()]
                reason = (last[-1].strip() if last else "") or f"mã lỗi {done.returncode}"
            raise ParseError(FAILED.format(reason[:200]))
        return target.read_bytes()
