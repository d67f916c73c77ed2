"""Evidence files attached to progress reports: PDF, Word and Excel documents, images.

The type is read from the content, never from the name: a PDF starts with ``%PDF-``, a DOCX
or XLSX is a zip holding ``word/document.xml`` or ``xl/workbook.xml``, a PNG and a JPEG have
their signatures. Anything else is refused: an empty file, legacy .doc/.xls, macro-enabled
Office files, executables, random bytes with a ``.pdf`` name. Files are stored through
Django's default storage and handed out only after the permission policy agrees.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import secrets
import unicodedata
import zipfile

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from theodoi.acting import acting

from .models import EvidenceFile, ProgressReport
from .policy import Action, check

__all__ = [
    "DEFAULT_MAX_UPLOAD_BYTES",
    "EvidenceError",
    "attach_file",
    "detect_type",
    "download_name",
    "max_upload_bytes",
    "open_file",
    "orphans",
    "remove_orphans",
    "stored_names",
]

DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# Where the files are, in the storage (EvidenceFile.file's upload_to starts with it).
FOLDER = "evidence"
# A file without a row that is younger than this may be an upload whose transaction has not
# committed yet; older, it is left from a process killed between the file and the commit.
ORPHAN_AGE = dt.timedelta(hours=1)

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PNG = "image/png"
JPEG = "image/jpeg"
EXTENSIONS = {PDF: ".pdf", DOCX: ".docx", XLSX: ".xlsx", PNG: ".png", JPEG: ".jpg"}

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .doc, .xls, .ppt
_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"
_EXECUTABLES = (b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa\xcf", b"#!")
ACCEPTED = "PDF, Word (.docx), Excel (.xlsx), ảnh PNG hoặc JPEG"


class EvidenceError(ValueError):
    """A file that cannot be attached; the message says why, for a person."""


def max_upload_bytes() -> int:
    """The largest file accepted: ``settings.THEODOI_MAX_UPLOAD_BYTES``, else 20 MB."""
    return int(getattr(settings, "THEODOI_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES))


def detect_type(data: bytes) -> str:
    """The content type of ``data``, read from its bytes; ``EvidenceError`` for anything not
    accepted."""
    if not data:
        raise EvidenceError("Tệp rỗng; không có gì để đính kèm.")
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(_PNG):
        return PNG
    if data.startswith(_JPEG):
        return JPEG
    if data.startswith(_ZIP):
        return _office_type(data)
    if data.startswith(_OLE):
        raise EvidenceError(
            "Tệp Word/Excel định dạng cũ (.doc, .xls) không được nhận; hãy lưu lại thành "
            ".docx hoặc .xlsx, hoặc xuất ra PDF."
        )
    if data.startswith(_EXECUTABLES):
        raise EvidenceError("Tệp chương trình chạy được không được đính kèm.")
    raise EvidenceError(f"Nội dung tệp không phải loại được nhận ({ACCEPTED}).")


def _office_type(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise EvidenceError("Tệp nén bị hỏng hoặc không phải tệp Word/Excel.") from exc
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise EvidenceError("Tệp Word/Excel có macro không được nhận; hãy lưu thành .docx/.xlsx.")
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    raise EvidenceError(f"Tệp nén này không phải tệp Word hay Excel ({ACCEPTED}).")


def _read(upload, limit: int) -> tuple[str, bytes]:
    """The name and the bytes of an upload (a Django ``UploadedFile``/``File`` or a
    ``(name, bytes)`` pair), refusing anything over ``limit`` before reading it whole."""
    too_big = EvidenceError(f"Tệp quá lớn; dung lượng tối đa là {_human(limit)}.")
    if isinstance(upload, tuple):
        name, data = upload
        data = bytes(data)
        if len(data) > limit:
            raise too_big
        return str(name or ""), data
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise too_big
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise too_big
    return str(getattr(upload, "name", "") or ""), data


def _human(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):g} MB"
    if size >= 1024:
        return f"{size / 1024:g} KB"
    return f"{size} byte"


def _original_name(name: str) -> str:
    """The name shown: the last part of what the browser sent, NFC, without control or
    direction-changing characters (U+202E can make "exe.pdf" read as "fdp.exe"), at most 255
    characters. It never names a file on disk (see ``_stored_name``)."""
    name = unicodedata.normalize("NFC", str(name or "")).replace("\\", "/").split("/")[-1]
    name = "".join(c for c in name if unicodedata.category(c) not in _INVISIBLE)
    name = " ".join(name.split()).strip(" .")
    return name[:255].strip(" .") or "tep"


def download_name(original: str, content_type: str) -> str:
    """The name a download is saved under: the name shown, ending in the extension of the
    type its content shows, so a PDF named "x.exe" is saved as "x.exe.pdf" and opens as one."""
    name = _original_name(original)
    extension = EXTENSIONS.get(content_type, "")
    given = os.path.splitext(name)[1]
    if given.lower() in _SAME_TYPE.get(content_type, {extension}):
        return name
    return name[: 255 - len(extension)] + extension


# Control, format (bidirectional overrides, zero-width), unassigned, private-use, surrogates.
_INVISIBLE = {"Cc", "Cf", "Cn", "Co", "Cs", "Zl", "Zp"}
_SAME_TYPE = {JPEG: {".jpg", ".jpeg"}}


def _stored_name(content_type: str) -> str:
    """The name the file is stored under: random, with the extension of the type its content
    shows. Nothing the person typed reaches the file system."""
    return f"{secrets.token_hex(16)}{EXTENSIONS[content_type]}"


def attach_file(
    *, user, report: ProgressReport, upload, now: dt.datetime | None = None
) -> EvidenceFile:
    """Attach ``upload`` to ``report`` as evidence, for a user who may edit the report."""
    now = now or timezone.now()
    with transaction.atomic(), acting(user):
        report = (
            ProgressReport.objects.select_for_update(of=("self",))
            .select_related("occurrence__assignment__task")
            .get(pk=report.pk)
        )
        check(user, Action.EDIT_REPORT, report)
        name, data = _read(upload, max_upload_bytes())
        content_type = detect_type(data)
        original = _original_name(name)
        evidence = EvidenceFile(
            report=report,
            original_name=original,
            content_type=content_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            uploaded_by=user,
            uploaded_at=now,
        )
        try:
            evidence.file.save(_stored_name(content_type), ContentFile(data), save=False)
        except OSError as error:  # a full disk, a folder it may not write: the admin's to fix
            raise EvidenceError(
                "Máy chủ không lưu được tệp (lỗi lưu trữ); chưa có gì được lưu. Xin thử lại sau"
                " ít phút; nếu vẫn lỗi, báo quản trị viên."
            ) from error
        try:
            evidence.save()
        except BaseException:
            evidence.file.storage.delete(evidence.file.name)
            raise
        # A caller's transaction that fails after this returns must delete the file itself
        # (web.views.work._save_report does): Django has no hook for a rollback.
        return evidence


def open_file(*, user, evidence: EvidenceFile) -> tuple[File, str, str]:
    """The stored file opened for reading, its content type and its original name, for a user
    who may see it. The permission is checked before the storage is touched."""
    check(user, Action.VIEW_EVIDENCE_FILE, evidence)
    handle = evidence.file.storage.open(evidence.file.name, "rb")
    return (
        handle,
        evidence.content_type,
        download_name(evidence.original_name, evidence.content_type),
    )


def stored_names() -> set[str]:
    """The storage names of every evidence file a row refers to."""
    return set(EvidenceFile.objects.values_list("file", flat=True))


def orphans(*, older_than: dt.timedelta = ORPHAN_AGE, now: dt.datetime | None = None) -> list[str]:
    """The files under the evidence folder that no row refers to and that were last written
    more than ``older_than`` ago. ``attach_file`` writes the file before its row commits: a
    process killed in between (kill -9, a power cut) leaves such a file behind, which nothing
    would ever show or remove."""
    storage = EvidenceFile._meta.get_field("file").storage
    limit = (now or timezone.now()) - older_than
    known = stored_names()
    found, folders = [], [FOLDER]
    while folders:
        folder = folders.pop()
        try:
            inner, files = storage.listdir(folder)
        except FileNotFoundError:
            continue
        folders.extend(f"{folder}/{name}" for name in inner)
        for name in files:
            path = f"{folder}/{name}"
            if path not in known and storage.get_modified_time(path) < limit:
                found.append(path)
    return sorted(found)


def remove_orphans(*, older_than: dt.timedelta = ORPHAN_AGE) -> list[str]:
    """Remove the files ``orphans`` lists (at server start and before a backup); the names
    removed."""
    storage = EvidenceFile._meta.get_field("file").storage
    removed = orphans(older_than=older_than)
    for path in removed:
        storage.delete(path)
    return removed
