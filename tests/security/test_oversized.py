"""Bodies larger than the limits are refused with a page that says so, never an error, and
nothing is stored.

- a form over ``DATA_UPLOAD_MAX_MEMORY_SIZE``, with more fields than
  ``DATA_UPLOAD_MAX_NUMBER_FIELDS`` or more files than ``DATA_UPLOAD_MAX_NUMBER_FILES``: 400
  and the page ``400.html`` (Vietnamese first), for a page and for an htmx request;
- an evidence file, a spreadsheet or a program document over its own limit: the form again
  with the limit named next to the file field;
- a 1 MB text in a report's free-text fields: stored whole where the field has no limit
  (the narrative, the review comment), refused with a message where it has one.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from theodoi.programs.models import Program
from theodoi.tracking.models import EvidenceFile, ProgressReport

# Staff send straight to the office here: what is tested is not the sign-off.
pytestmark = pytest.mark.usefixtures("straight_to_the_office")

HTMX = {"HTTP_HX_REQUEST": "true"}
MB = 1024 * 1024
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def report(occurrence, **changes) -> dict:
    data = {"form": "report", "occurrence": occurrence.pk, "state": "in_progress",
            "percent": "20", "narrative": "Đang thực hiện.", "version": "", "action": "save"}  # fmt: skip
    data.update(changes)
    return data


def refused_page(response) -> None:
    assert response.status_code == 400, response.status_code
    body = response.content.decode()
    assert "Yêu cầu không hợp lệ hoặc quá lớn" in body and "Không có gì được lưu" in body


def stored_files() -> list:
    media = settings.MEDIA_ROOT
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def test_over_the_request_limits(world):
    staff = world.login("staff")
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    too_long = "x" * (limit + 1024)
    for extra in ({}, HTMX):
        refused_page(staff.post("/work/", report(world.ours, narrative=too_long), **extra))
        many = report(world.ours)
        many.update({f"f{i}": "1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)})
        refused_page(staff.post("/work/", many, **extra))
        files = report(world.ours)
        files["file"] = [
            SimpleUploadedFile(f"{i}.pdf", PDF, content_type="application/pdf")
            for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1)
        ]
        refused_page(staff.post("/work/", files, **extra))
    monitor = world.login("monitor")
    refused_page(monitor.post("/review/", {"kind": "report", "pk": "1", "comment": too_long}))
    refused_page(staff.post(f"/plans/?program={world.program.pk}", {"leader_name": too_long}))
    assert not ProgressReport.objects.exists()
    assert stored_files() == []


def test_files_over_their_own_limits(world):
    staff, monitor = world.login("staff"), world.login("monitor")
    with override_settings(THEODOI_MAX_UPLOAD_BYTES=1000):
        big = SimpleUploadedFile("lon.pdf", PDF + b"0" * 2000, content_type="application/pdf")
        response = staff.post("/work/", report(world.ours, file=big))
        assert response.status_code == 200
        assert "Tệp quá lớn" in response.content.decode()
        assert not ProgressReport.objects.exists() and not EvidenceFile.objects.exists()
    with override_settings(THEODOI_SHEET_MAX_BYTES=1000):
        big = SimpleUploadedFile("lon.xlsx", b"PK" + b"0" * 2000)
        response = staff.post("/work/sheet/import/", {"file": big})
        assert response.status_code == 200
        assert "quá lớn" in response.content.decode()
    with override_settings(THEODOI_IMPORT_MAX_BYTES=1000):
        big = SimpleUploadedFile("lon.md", b"x" * 2000)
        response = monitor.post("/import/", {"document": big})
        assert response.status_code == 200
        assert "tệp quá lớn" in response.content.decode()
    assert Program.objects.count() == 1
    assert stored_files() == []


@pytest.mark.parametrize("htmx", [False, True])
def test_a_megabyte_of_text(world, htmx):
    staff, monitor = world.login("staff"), world.login("monitor")
    extra = HTMX if htmx else {}
    long = ("Báo cáo rất dài. " * (MB // 17 + 1))[:MB]
    # Fields with a length limit: refused next to the field, nothing saved.
    response = staff.post("/work/", report(world.ours, document_signer=long), **extra)
    assert response.status_code == 200
    assert "tối đa 300 kí tự" in response.content.decode()  # Django's own Vietnamese
    assert not ProgressReport.objects.exists()
    # The narrative has none: stored whole, sent, and the office's comment likewise.
    response = staff.post("/work/", report(world.ours, narrative=long, action="send"), **extra)
    assert response.status_code in (200, 302)
    saved = ProgressReport.objects.get()
    assert saved.narrative == long.strip()
    response = monitor.post("/review/", {"kind": "report", "pk": saved.pk,
                                         "version": saved.version, "decision": "return",
                                         "comment": long}, **extra)  # fmt: skip
    assert response.status_code in (200, 302)
    saved.refresh_from_db()
    assert saved.review_comment == long.strip()
    page = staff.get(f"/tasks/{world.ours.assignment.task_id}/")
    assert page.status_code == 200
    response = staff.get("/search/", {"q": long[:5000]})
    assert response.status_code == 200 and "300" in response.content.decode()
