"""Evidence files: the type read from the content, the size limit, storage through Django's
storage (a temporary MEDIA_ROOT here), and no file served without the policy's yes."""

from __future__ import annotations

import hashlib
import io
import struct
import zipfile
import zlib
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from theodoi.tracking.evidence import (
    DOCX,
    JPEG,
    PDF,
    PNG,
    XLSX,
    EvidenceError,
    attach_file,
    open_file,
)
from theodoi.tracking.models import EvidenceFile, ProgressReport, ReportStatus, Role

pytestmark = pytest.mark.django_db

PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b""))  # fmt: skip


def docx_bytes() -> bytes:
    from docx import Document

    document = Document()
    document.add_paragraph("Báo cáo kết quả thực hiện nhiệm vụ")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def zip_bytes(*names: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for name in names:
            archive.writestr(name, "<x/>")
    return out.getvalue()


def xlsx_bytes() -> bytes:
    try:
        from openpyxl import Workbook
    except ImportError:  # not installed: the parts that make a workbook are enough here
        return zip_bytes("xl/workbook.xml", "xl/worksheets/sheet1.xml")
    workbook = Workbook()
    workbook.active["A1"] = "Tiến độ"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def w(one_task, member) -> SimpleNamespace:
    a, b, office = one_task.a, one_task.b, one_task.office
    return SimpleNamespace(
        report=ProgressReport.objects.create(occurrence=one_task.occurrence, organization=a),
        staff=member("staff", a, Role.STAFF),
        b_staff=member("b_staff", b, Role.STAFF),
        monitor=member("monitor", office, Role.MONITOR),
        leader=member("leader", office, Role.LEADER),
    )


@pytest.mark.parametrize(
    ("name", "make", "content_type", "suffix"),
    [
        ("Kế hoạch 12-KH.pdf", lambda: PDF_BYTES, PDF, ".pdf"),
        ("bao-cao.docx", docx_bytes, DOCX, ".docx"),
        ("so-lieu.xlsx", xlsx_bytes, XLSX, ".xlsx"),
        ("anh.png", png_bytes, PNG, ".png"),
        ("anh.jpeg", lambda: JPEG_BYTES, JPEG, ".jpg"),
        # The type comes from the content: a PDF named .exe is stored as what it is.
        ("van-ban.exe", lambda: PDF_BYTES, PDF, ".pdf"),
    ],
)
def test_accepted_files_are_stored_with_their_facts(w, media, name, make, content_type, suffix):
    data = make()
    evidence = attach_file(user=w.staff, report=w.report, upload=(name, data))
    evidence = EvidenceFile.objects.get(pk=evidence.pk)
    assert evidence.content_type == content_type
    assert evidence.original_name == name
    assert evidence.size == len(data)
    assert evidence.sha256 == hashlib.sha256(data).hexdigest()
    assert evidence.uploaded_by == w.staff and evidence.report == w.report
    assert evidence.file.name.startswith("evidence/") and evidence.file.name.endswith(suffix)
    stored = media / evidence.file.name
    assert stored.read_bytes() == data


def test_a_django_upload_is_accepted(w, media):
    upload = SimpleUploadedFile("C:\\Users\\x\\Báo cáo.pdf", PDF_BYTES, "application/octet-stream")
    evidence = attach_file(user=w.staff, report=w.report, upload=upload)
    assert (evidence.original_name, evidence.content_type) == ("Báo cáo.pdf", PDF)
    assert (media / evidence.file.name).read_bytes() == PDF_BYTES


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("bao-cao.pdf", bytes(range(256)) * 4, "không phải loại được nhận"),
        ("rong.pdf", b"", "rỗng"),
        ("nen.docx", zip_bytes("readme.txt"), "không phải tệp Word hay Excel"),
        ("hong.docx", b"PK\x03\x04 not really a zip", "hỏng"),
        ("cu.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "định dạng cũ"),
        ("cu.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "định dạng cũ"),
        ("chay.pdf", b"MZ\x90\x00" + b"\x00" * 64, "chạy được"),
        ("chay", b"\x7fELF\x02\x01\x01" + b"\x00" * 64, "chạy được"),
        ("macro.docx", zip_bytes("word/document.xml", "word/vbaProject.bin"), "macro"),
        ("ghi-chu.txt", "Đã hoàn thành".encode(), "không phải loại được nhận"),
    ],
)
def test_refused_contents(w, media, name, data, message):
    with pytest.raises(EvidenceError, match=message):
        attach_file(user=w.staff, report=w.report, upload=(name, data))
    assert not EvidenceFile.objects.exists()
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_size_limit(w, settings):
    settings.THEODOI_MAX_UPLOAD_BYTES = 100
    big = PDF_BYTES + b"%" * 100
    with pytest.raises(EvidenceError, match="quá lớn"):
        attach_file(user=w.staff, report=w.report, upload=("lon.pdf", big))
    with pytest.raises(EvidenceError, match="quá lớn"):
        attach_file(user=w.staff, report=w.report, upload=SimpleUploadedFile("lon.pdf", big))
    assert attach_file(user=w.staff, report=w.report, upload=("nho.pdf", PDF_BYTES[:100]))
    assert EvidenceFile.objects.count() == 1


def test_only_who_may_edit_the_report_attaches(w):
    for user in (w.b_staff, w.monitor, w.leader):
        with pytest.raises(PermissionDenied):
            attach_file(user=user, report=w.report, upload=("a.pdf", PDF_BYTES))
    ProgressReport.objects.filter(pk=w.report.pk).update(status=ReportStatus.SUBMITTED)
    with pytest.raises(PermissionDenied, match="chờ Văn phòng xác nhận"):
        attach_file(user=w.staff, report=w.report, upload=("a.pdf", PDF_BYTES))
    assert not EvidenceFile.objects.exists()


def test_open_file_asks_the_policy_first(w):
    evidence = attach_file(user=w.staff, report=w.report, upload=("Kế hoạch.pdf", PDF_BYTES))
    with pytest.raises(PermissionDenied, match="cơ quan mình"):
        open_file(user=w.b_staff, evidence=evidence)
    for user in (w.monitor, w.leader, w.staff):
        handle, content_type, filename = open_file(user=user, evidence=evidence)
        with handle:
            assert handle.read() == PDF_BYTES
        assert (content_type, filename) == (PDF, "Kế hoạch.pdf")
