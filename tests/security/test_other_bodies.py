"""A body's own record is closed to the staff of another body.

Ban Tổ chức (``staff``) reports on its period, with a file, asks for an extension and writes
a personal plan; Ban Tuyên giáo's staff (``outsider``) then tries every address that names
one of those by id: in the URL (the file, the work row and its htmx partials, the plan, the
calendar feed of the body), in a POST body (the report and extension forms of the work list,
the review queue, every step of the plan, the evaluation) and in a spreadsheet's rows. Each
answer is 403 or 404 (never 200 with the record), nothing changes, and the report's text
never shows on the pages that are open to every member (the task, the body's page, search,
the outsider's spreadsheet). The task page itself is open: the program's text is not secret.
"""

from __future__ import annotations

import io
import re
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from theodoi.orgs.models import Organization
from theodoi.plans.models import EvaluationDecision, PersonalPlan, PlanItem, PlanRecipient
from theodoi.tracking.calendar import issue_feed
from theodoi.tracking.models import EvidenceFile, Extension, ProgressReport

HTMX = {"HTTP_HX_REQUEST": "true"}
SECRET = "Nội dung nội bộ của Ban Tổ chức số 7731"
REASON = "Lý do gia hạn nội bộ số 4412"
FILE_NAME = "bien-ban-noi-bo-9923.pdf"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CLOSED = (403, 404)


@pytest.fixture(scope="module")
def record(world) -> SimpleNamespace:
    staff, head = world.login("staff"), world.login("head")
    ours = world.ours
    response = staff.post("/work/", {
        "form": "report", "occurrence": ours.pk, "state": "in_progress", "percent": "30",
        "narrative": SECRET, "version": "", "action": "save",
        "file": SimpleUploadedFile(FILE_NAME, PDF, content_type="application/pdf"),
    })  # fmt: skip
    assert response.status_code == 302
    response = staff.post("/work/", {"form": "extension", "occurrence": world.ours2.pk,
                                     "new_due": "31/12/2030", "reason": REASON})  # fmt: skip
    assert response.status_code == 302
    response = staff.post(f"/plans/?program={world.program.pk}", {
        "leader_name": "Trần Thị Bí Mật", "leader_position": "Trưởng Ban Tổ chức",
    })  # fmt: skip
    assert response.status_code == 302
    plan = PersonalPlan.objects.get()
    url = f"/plans/{plan.pk}/"
    item = {"step": "plan-item", "text": SECRET, "due_date": "31/12/2023"}
    assert staff.post(url, item).status_code == 302
    assert head.get(url).status_code == 200
    report = ProgressReport.objects.get(occurrence=ours)
    return SimpleNamespace(
        report=report, file=EvidenceFile.objects.get(report=report), plan=plan,
        item=PlanItem.objects.get(plan=plan), extension=Extension.objects.get(),
    )  # fmt: skip


MODELS = (ProgressReport, EvidenceFile, Extension, PersonalPlan, PlanItem, PlanRecipient,
          EvaluationDecision)  # fmt: skip


def state() -> dict:
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in MODELS}


def closed(response) -> None:
    assert response.status_code in CLOSED, response.status_code
    body = response.content.decode(errors="replace")
    assert SECRET not in body and REASON not in body and FILE_NAME not in body


def test_ids_in_addresses(world, record):
    outsider = world.login("outsider")
    before = state()
    closed(outsider.get(f"/evidence/{record.file.pk}/"))
    closed(outsider.get(f"/plans/{record.plan.pk}/"))
    for extra in ({}, HTMX):
        closed(outsider.get("/work/", {"occurrence": world.ours.pk}, **extra))
        closed(outsider.get("/work/", {"occurrence": world.ours.pk, "expand": "0"}, **extra))
        closed(outsider.get("/work/", {"occurrence": world.ours2.pk}, **extra))
    for url in ("/review/", "/reports/", "/evaluation/", "/dashboard/", "/import/"):
        closed(outsider.get(url))
    # The body's calendar: the outsider's own secret address, another body's code.
    token = issue_feed(world.users["outsider"])
    closed(outsider.get(f"/calendar/{token}/qn.btctu.ics"))
    assert outsider.get(f"/calendar/{token}/qn.btgtu.ics").status_code == 200
    assert state() == before
    # The staff of the body itself: the same addresses answer.
    staff = world.login("staff")
    assert staff.get(f"/evidence/{record.file.pk}/").status_code == 200
    assert SECRET in staff.get(f"/plans/{record.plan.pk}/").content.decode()


def test_open_pages_do_not_show_the_record(world, record):
    outsider = world.login("outsider")
    task = world.ours.assignment.task
    pages = [
        outsider.get(f"/tasks/{task.pk}/"),
        outsider.get(f"/tasks/{world.ours2.assignment.task_id}/"),
        outsider.get("/organizations/qn.btctu/", {"program": world.program.pk}),
        outsider.get("/search/", {"q": "số 7731"}),
        outsider.get("/search/", {"q": task.text[:40]}),
        outsider.get("/plans/", {"program": world.program.pk}),
        outsider.get("/work/", {"show": "all"}),
    ]
    for response in pages:
        assert response.status_code == 200
        body = response.content.decode()
        assert SECRET not in body and REASON not in body and FILE_NAME not in body
        assert f"/evidence/{record.file.pk}/" not in body
    # ... while Ban Tổ chức sees its own on the same pages.
    staff = world.login("staff")
    assert SECRET in staff.get(f"/tasks/{task.pk}/").content.decode()
    # The outsider's spreadsheet holds its own rows only, whatever body it asks for.
    data = outsider.get("/work/sheet/", {"period": "2021", "organization": "qn.btctu"}).content
    book = load_workbook(io.BytesIO(data))
    texts = [str(c.value) for s in book.worksheets for row in s.iter_rows() for c in row]
    assert not any(SECRET in t for t in texts)
    assert not any(Organization.objects.get(code="qn.btctu").name == t for t in texts)


def test_ids_in_post_bodies(world, record):
    outsider = world.login("outsider")
    report, plan = record.report, record.plan
    before = state()
    for extra in ({}, HTMX):
        closed(outsider.post("/work/", {
            "form": "report", "occurrence": world.ours.pk, "state": "done", "percent": "100",
            "narrative": "ghi đè", "done_on": "01/03/2021", "version": report.version,
            "action": "send",
        }, **extra))  # fmt: skip
        closed(
            outsider.post(
                "/work/",
                {
                    "form": "extension",
                    "occurrence": world.ours.pk,
                    "new_due": "31/12/2030",
                    "reason": "x",
                },
                **extra,
            )
        )
        closed(outsider.post("/review/", {"kind": "report", "pk": report.pk,
                                          "version": report.version, "decision": "accept"},
                             **extra))  # fmt: skip
        closed(outsider.post("/review/", {"kind": "extension", "pk": record.extension.pk,
                                          "decision": "approve"}, **extra))  # fmt: skip
    url = f"/plans/{plan.pk}/"
    closed(outsider.post(url, {"step": "plan-item", "text": "thêm", "due_date": "31/12/2023"}))
    closed(outsider.post(url, {"step": "remove-item", "item": record.item.pk}))
    closed(outsider.post(url, {"step": "submit"}))
    closed(outsider.post(url, {"step": "approval", "approval_kind": "key_officials",
                               "approved_on": "01/03/2021"}))  # fmt: skip
    btctu = Organization.objects.get(code="qn.btctu")
    closed(outsider.post(f"/evaluation/?program={world.program.pk}&year=2021",
                         {"kind": "body", "pk": btctu.pk, "rating": "fail"}))  # fmt: skip
    # Its own plan cannot take another body's item either.
    own = world.login("outsider").post(f"/plans/?program={world.program.pk}", {
        "leader_name": "Lê Văn C", "leader_position": "Trưởng Ban Tuyên giáo"})  # fmt: skip
    assert own.status_code == 302
    mine = PersonalPlan.objects.get(leader__organization__code="qn.btgtu")
    closed(outsider.post(f"/plans/{mine.pk}/", {"step": "remove-item", "item": record.item.pk}))
    after = state()
    after["PersonalPlan"] = [p for p in after["PersonalPlan"] if p["id"] != mine.pk]
    assert after == before


def test_rows_of_another_body_in_a_spreadsheet(world, record):
    """Ban Tổ chức's sheet, filled in and uploaded by Ban Tuyên giáo: refused row by row."""
    staff, outsider = world.login("staff"), world.login("outsider")
    data = staff.get("/work/sheet/", {"period": "2021"}).content
    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    columns = {cell.value: cell.column for cell in sheet[1]}
    for r in range(2, sheet.max_row + 1):
        sheet.cell(row=r, column=columns["Nội dung báo cáo"], value="ghi đè từ Ban Tuyên giáo")
    out = io.BytesIO()
    book.save(out)
    before = state()
    response = outsider.post(
        "/work/sheet/import/", {"file": SimpleUploadedFile("b.xlsx", out.getvalue())}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert SECRET not in body
    token = re.search(r'name="token" value="([0-9a-f]{32})"', body)
    if token:  # nothing of its own to save: there may be no confirm button at all
        outsider.post("/work/sheet/import/", {"token": token[1], "action": "send"})
    assert state() == before
