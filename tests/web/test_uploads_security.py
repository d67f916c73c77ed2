"""Uploads: what a person sends never decides where a file lands, what type it is served as,
or who may read it. Evidence files through the work page and the service (which the API also
uses), the program import and the spreadsheet upload."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from fpdf import FPDF

from theodoi import settings as production
from theodoi.programs.models import Occurrence
from theodoi.tracking.evidence import EvidenceError, attach_file
from theodoi.tracking.models import EvidenceFile, ProgressReport
from theodoi.tracking.reports import save_report

STORED = re.compile(r"^[0-9a-f]{32}\.(pdf|docx|xlsx|png|jpg)$")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def occurrence(example) -> Occurrence:
    return Occurrence.objects.get(
        assignment__task__key="B.III.1.3/2", assignment__organization__code="qn.btctu"
    )


@pytest.fixture
def report(users, occurrence) -> ProgressReport:
    return save_report(
        user=users["staff"],
        occurrence=occurrence,
        expected_version=None,
        state="in_progress",
        narrative="Đang làm",
    )


def pdf_bytes() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Ke hoach 12-KH/TU")
    return bytes(pdf.output())


def files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def send(client: Client, occurrence: Occurrence, upload: SimpleUploadedFile):
    return client.post(
        "/work/",
        {
            "form": "report",
            "occurrence": occurrence.pk,
            "state": "in_progress",
            "narrative": "Đang xây dựng kế hoạch.",
            "version": "",
            "action": "save",
            "file": upload,
        },
    )


def test_upload_settings_are_sensible():
    assert production.FILE_UPLOAD_MAX_MEMORY_SIZE <= 5 * 1024 * 1024  # larger: a temporary file
    assert production.DATA_UPLOAD_MAX_MEMORY_SIZE <= 5 * 1024 * 1024
    assert production.FILE_UPLOAD_PERMISSIONS == 0o600  # tests/test_private_files.py
    assert production.FILE_UPLOAD_DIRECTORY_PERMISSIONS == 0o700
    media, static = Path(production.MEDIA_ROOT), Path(production.STATIC_ROOT)
    assert not media.is_relative_to(static) and not static.is_relative_to(media)


HOSTILE_NAMES = [
    "../../etc/passwd.pdf",
    "..\\..\\windows\\x.pdf",
    "/etc/cron.d/x.pdf",
    "a\x00b.pdf",
    "x" * 300 + ".pdf",
    "bao-cao\u202efdp.exe",  # shows as "bao-caoexe.pdf" in a right-to-left aware viewer
    "..",
    "",
    "con\r\nContent-Type: text/html.pdf",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_names_never_reach_the_file_system(users, report, media, tmp_path, name):
    evidence = attach_file(user=users["staff"], report=report, upload=(name, pdf_bytes()))
    (stored,) = files_under(media)
    assert stored.resolve().is_relative_to((media / "evidence").resolve())
    assert STORED.match(stored.name), stored.name
    assert files_under(tmp_path) == [stored]  # nothing written beside the media folder
    shown = EvidenceFile.objects.get(pk=evidence.pk).original_name
    assert len(shown) <= 255
    assert not set(shown) & {"/", "\\", "\x00", "\u202e", "\r", "\n"}
    assert shown not in ("", ".", "..")


def test_the_download_is_an_attachment_with_a_safe_name(client_for, users, report, media):
    data = pdf_bytes()
    evidence = attach_file(
        user=users["staff"], report=report, upload=("bao-cao\u202efdp.exe", data)
    )
    response = client_for("staff").get(reverse("web:evidence", args=[evidence.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "\u202e" not in disposition and "%E2%80%AE" not in disposition.upper()
    assert disposition.endswith('.exe.pdf"') or disposition.endswith(".exe.pdf")
    assert b"".join(response.streaming_content) == data


def test_only_those_the_policy_lets_see_download(client, client_for, users, report):
    evidence = attach_file(user=users["staff"], report=report, upload=("a.pdf", pdf_bytes()))
    url = reverse("web:evidence", args=[evidence.pk])
    assert client_for("outsider").get(url).status_code == 403
    assert client.get(url).status_code == 302  # signed out: the login page
    assert client_for("monitor").get(url).status_code == 200
    # The media folder is not served as files.
    assert Client().get(f"/media/{evidence.file.name}").status_code == 404
    assert Client().get(f"/static/../media/{evidence.file.name}").status_code == 404


def _zip(names: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in names.items():
            archive.writestr(name, data)
    return buffer.getvalue()


REFUSED = [
    ("bao-cao.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>"),
    ("bao-cao.pdf", b"  <html><body onload=alert(1)>"),
    ("hinh.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    ("hinh.pdf", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>'),
    ("setup.pdf", b"MZ\x90\x00\x03" + b"\x00" * 64),
    ("run.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 64),
    ("so-lieu.xlsx", _zip({"evil.html": b"<script>alert(1)</script>"})),
    ("macro.docx", _zip({"word/document.xml": b"<w/>", "word/vbaProject.bin": b"x"})),
    ("trong.pdf", b""),
]


@pytest.mark.parametrize(("name", "data"), REFUSED)
def test_content_that_is_not_an_accepted_document_is_refused(
    client_for, occurrence, media, name, data
):
    response = send(client_for("staff"), occurrence, SimpleUploadedFile(name, data))
    assert response.status_code == 200
    (row,) = [row for row in response.context["rows"] if row["expanded"]]
    errors = row["report_form"].errors
    assert "file" in errors, errors
    assert not ProgressReport.objects.exists()
    assert files_under(media) == []


def test_too_large_is_refused_before_anything_is_kept(client_for, occurrence, media, settings):
    settings.THEODOI_MAX_UPLOAD_BYTES = 1000
    big = pdf_bytes() + b"\n%" + b"x" * 2000
    response = send(client_for("staff"), occurrence, SimpleUploadedFile("lon.pdf", big))
    assert "quá lớn" in response.content.decode()
    assert not EvidenceFile.objects.exists()
    assert files_under(media) == []


def test_too_large_through_the_service_too(users, report, media, settings):
    settings.THEODOI_MAX_UPLOAD_BYTES = 1000
    big = SimpleUploadedFile("lon.pdf", pdf_bytes() + b"x" * 2000)
    with pytest.raises(EvidenceError, match="quá lớn"):
        attach_file(user=users["staff"], report=report, upload=big)
    assert files_under(media) == []


def test_an_import_upload_is_kept_under_a_name_of_the_server(client_for):
    client = client_for("monitor")  # the office imports
    folder = Path(settings.DATA_DIR) / "imports"
    before = set(files_under(folder))
    text = "# CHƯƠNG TRÌNH HÀNH ĐỘNG\n\n1. Nhiệm vụ thử.\n".encode()
    client.post(reverse("web:import"), {"document": SimpleUploadedFile("../../../x.md", text)})
    kept = set(files_under(folder)) - before
    for path in kept:
        assert re.fullmatch(r"[0-9a-f]{32}\.md", path.name)
    assert not (Path(settings.DATA_DIR).parent / "x.md").exists()
    refused = client.post(
        reverse("web:import"),
        {"document": SimpleUploadedFile("chuong-trinh.exe", b"MZ\x90\x00")},
    )
    assert "định dạng không hỗ trợ" in refused.content.decode()
    html = client.post(
        reverse("web:import"),
        {"document": SimpleUploadedFile("chuong-trinh.docx", b"<html><script>x</script>")},
    )
    assert html.status_code == 200 and html.context["form"].errors
    assert set(files_under(folder)) - before == kept


def test_a_spreadsheet_upload_that_is_html_is_refused(client_for, users):
    client = client_for("staff")
    response = client.post(
        reverse("web:sheet_import"),
        {"file": SimpleUploadedFile("bao-cao.xlsx", b"<html><script>alert(1)</script></html>")},
    )
    assert response.status_code == 200
    assert response.context["form"].errors
