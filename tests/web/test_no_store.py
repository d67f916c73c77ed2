"""No copy of anyone's work is kept by a browser or a proxy: ``Cache-Control: no-store,
private`` on every signed-in page, htmx part, API answer and download (an evidence file, a
periodic report, an export, the spreadsheet), and on the sign-in page; the calendar feed,
which a calendar application polls, is ``private`` with a short max-age; the public static
files keep WhiteNoise's own caching."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from theodoi.api.tokens import create_token
from theodoi.programs.models import Occurrence
from theodoi.tracking.calendar import issue_feed
from theodoi.tracking.evidence import attach_file
from theodoi.tracking.models import EvidenceFile
from theodoi.tracking.reports import save_report

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def no_store(response) -> None:
    value = response.get("Cache-Control", "")
    assert "no-store" in value and "private" in value, (response.status_code, value)


@pytest.fixture
def evidence(users, example, media) -> EvidenceFile:
    occurrence = Occurrence.objects.get(
        assignment__task__key="B.III.1.3/2", assignment__organization__code="qn.btctu"
    )
    report = save_report(
        user=users["staff"], occurrence=occurrence, expected_version=None,
        state="in_progress", narrative="Đang làm",
    )  # fmt: skip
    return attach_file(user=users["staff"], report=report, upload=("bien-ban.pdf", PDF))


def test_signed_in_pages_and_parts(client_for, example):
    staff, monitor = client_for("staff"), client_for("monitor")
    for client, path in ((staff, "/work/"), (monitor, "/dashboard/"),
                         (monitor, f"/programs/{example.pk}/"), (monitor, "/search/?q=du+lich"),
                         (monitor, "/review/"), (staff, "/notifications/")):  # fmt: skip
        response = client.get(path)
        assert response.status_code == 200, path
        no_store(response)
    no_store(staff.get("/work/", HTTP_HX_REQUEST="true"))
    no_store(monitor.get("/tasks/999999/"))  # a refusal too
    no_store(Client().get("/login/"))


def test_downloads(client_for, users, example, evidence):
    staff, monitor = client_for("staff"), client_for("monitor")
    downloads = [
        staff.get(f"/evidence/{evidence.pk}/"),
        staff.get("/work/sheet/", {"program": example.pk, "period": "2021"}),
        monitor.get(
            "/reports/",
            {"program": example.pk, "kind": "periodic", "period": "2021-Q2", "format": "docx"},
        ),
    ]
    secret = create_token(users["monitor"], "tải về", by=users["monitor"])[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    downloads.append(Client().get(f"/api/evidence/{evidence.pk}", **auth))
    downloads.append(
        Client().get("/api/reports/periodic", {"program": example.pk, "period": "2021-Q2"}, **auth)
    )
    downloads.append(Client().get("/api/programs", **auth))
    for response in downloads:
        assert response.status_code == 200, response.content[:300]
        no_store(response)


def test_the_calendar_feed_is_private_for_the_application_that_polls_it(users, example):
    secret = issue_feed(users["staff"])
    response = Client().get(f"/calendar/{secret}.ics")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, max-age=900"


@override_settings(WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True)
def test_public_static_files_keep_their_caching(db):
    response = Client().get("/static/web/theodoi.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_an_upload_form_answer(client_for, example):
    staff = client_for("staff")
    upload = SimpleUploadedFile("bang.xlsx", b"PK\x03\x04 not a sheet")
    response = staff.post("/work/sheet/import/", {"file": upload})
    assert response.status_code == 200
    no_store(response)
