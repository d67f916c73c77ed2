"""Script typed into every free-text field stays text on every page that shows it.

Each field gets ``hostile.xss(label)`` (every payload of ``hostile.PAYLOADS`` after a label
naming the field), typed through the web as a person would:

- progress report (``/work/``): narrative, document type, document number, signer, and the
  evidence file's name;
- review (``/review/``): the comment returning a report; the comment rejecting an extension;
- extension request (``/work/``): the reason;
- personal plan (``/plans/``): leader's name and position, the plan's title, an item's text,
  the approval's reference document, a recipient's acknowledgement note;
- evaluation (``/evaluation/``): a decision's comment;
- the registry through the admin: an organisation's name, an alias;
- the search box (``/search/?q=``);
- an imported program (``/import/``): its title and a task's text;
- the spreadsheet round trip (``/work/sheet/import/``): the narrative and signer cells.

The pages read back: task, work list (and its htmx row), review queue, search results,
dashboard, organisations and one organisation, program tree, plans and one plan, evaluation,
reports preview (periodic and section II), notifications, the import and spreadsheet
previews, the admin's lists; and the XLSX and DOCX files where the text goes. A page passes
when html.parser finds no element or attribute made by a payload (``hostile.inert``) and the
payload is there as text (``hostile.shown``): escaped, not dropped. Text starting with "="
must never be a formula in an XLSX file. The hostile file name comes back only as a download's
name; ``javascript:`` and foreign ``next`` targets are not followed.

(The alias goes through the admin's form; the body's name is set directly, so that every page
naming Ban Tổ chức carries the payload.)
"""

from __future__ import annotations

import io
import re
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from docx import Document
from openpyxl import load_workbook

from theodoi.orgs.models import Alias, Organization
from theodoi.plans.models import Leader, PersonalPlan, PlanItem, PlanRecipient
from theodoi.programs.models import Program, Task
from theodoi.tracking.models import EvidenceFile, Extension, Notification, ProgressReport
from theodoi.tracking.reminders import collect

from .hostile import PAYLOADS, inert, short_xss, shown, xss

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
FILE_NAME = '"><img src=x onerror=alert(1)>.pdf'
HTMX = {"HTTP_HX_REQUEST": "true"}


def ok(response, status: int = 302):
    assert response.status_code == status, (response.status_code, response.content[:3000])
    return response


def report_post(occurrence, **changes) -> dict:
    data = {
        "form": "report", "occurrence": occurrence.pk, "state": "in_progress", "percent": "40",
        "narrative": "", "done_on": "", "document_type": "", "document_number": "",
        "document_date": "", "document_signer": "", "version": "", "action": "send",
    }  # fmt: skip
    data.update(changes)
    return data


@pytest.fixture(scope="module")
def hostile(world) -> SimpleNamespace:
    """Every free-text field filled with script, through the web, once for the module (staff
    sending straight to the office: what is tested is not the sign-off)."""
    with override_settings(THEODOI_HEAD_SIGN_OFF=False):
        return _fill_with_script(world)


def _fill_with_script(world) -> SimpleNamespace:
    staff, head, monitor = world.login("staff"), world.login("head"), world.login("monitor")
    outsider, admin = world.login("outsider"), world.login("admin")
    ours, ours2 = world.ours, world.ours2
    program = world.program

    # Reports: one sent and waiting in the queue, one sent and returned with a comment.
    upload = SimpleUploadedFile(FILE_NAME, PDF, content_type="application/pdf")
    ok(staff.post("/work/", report_post(
        ours, narrative=xss("narrative"), document_type=short_xss("type"),
        document_number=short_xss("number"), document_signer=xss("signer"), file=upload,
    )))  # fmt: skip
    ok(staff.post("/work/", report_post(ours2, narrative="Đang thực hiện.")))
    returned = ProgressReport.objects.get(occurrence=ours2)
    ok(monitor.post("/review/", {
        "kind": "report", "pk": returned.pk, "version": returned.version,
        "decision": "return", "comment": xss("review"),
    }))  # fmt: skip

    # Extensions: one waiting, one rejected with a comment.
    ok(staff.post("/work/", {"form": "extension", "occurrence": ours.pk,
                             "new_due": "31/12/2030", "reason": xss("reason")}))  # fmt: skip
    ok(staff.post("/work/", {"form": "extension", "occurrence": ours2.pk,
                             "new_due": "31/12/2030", "reason": "Chờ hướng dẫn."}))  # fmt: skip
    rejected = Extension.objects.get(occurrence=ours2)
    ok(monitor.post("/review/", {"kind": "extension", "pk": rejected.pk,
                                 "decision": "reject", "comment": xss("decision")}))  # fmt: skip

    # A personal plan through every step, sent to Ban Tuyên giáo, who acknowledges it.
    ok(staff.post(f"/plans/?program={program.pk}", {
        "leader_name": xss("leader"), "leader_position": xss("position"), "title": xss("title"),
    }))  # fmt: skip
    plan = PersonalPlan.objects.get(leader__organization__code="qn.btctu")
    url = f"/plans/{plan.pk}/"
    ok(staff.post(url, {"step": "plan-item", "text": xss("item"), "due_date": "31/12/2023"}))
    ok(staff.post(url, {"step": "submit"}))
    plan.refresh_from_db()
    approval = {"step": "approval", "approved_on": "15/03/2021", "reference": xss("reference")}
    page = head.get(url).content.decode()
    approval["approval_kind"] = re.search(
        r'name="approval_kind"[^>]*>.*?<option value="([^"]+)" selected', page, re.S
    )[1]
    body = re.search(r'name="approval_body"[^>]*>.*?<option value="(\d+)" selected', page, re.S)
    approval["approval_body"] = body[1] if body else ""
    ok(head.post(url, approval))
    btgtu = Organization.objects.get(code="qn.btgtu")
    ok(staff.post(url, {"step": "send", "others": [btgtu.pk], "sent_on": "20/03/2021"}))
    copy = PlanRecipient.objects.get(plan=plan, organization=btgtu)
    ok(outsider.post(url, {"step": "acknowledge", "recipient": copy.pk, "note": xss("note")}))

    # The evaluation: a decision on Ban Tổ chức for 2021.
    Organization.objects.filter(code="qn.btgtu").update(name=FORMULA)  # a body's name, too
    btctu = Organization.objects.get(code="qn.btctu")
    ok(monitor.post(f"/evaluation/?program={program.pk}&year=2021", {
        "kind": "body", "pk": btctu.pk, "rating": "good", "comment": xss("evaluation"),
    }))  # fmt: skip

    # The registry: an alias through the admin; Ban Tổ chức's name (shown on every page).
    ok(admin.post("/admin/orgs/alias/add/", {"name": xss("alias"), "organization": btctu.pk,
                                              "group": ""}))  # fmt: skip
    btctu.name = xss("org")
    btctu.save()

    return SimpleNamespace(
        plan=plan, report=ProgressReport.objects.get(occurrence=ours),
        returned=ProgressReport.objects.get(occurrence=ours2),
        logins={"staff": staff, "head": head, "monitor": monitor, "outsider": outsider,
                "admin": admin},
    )  # fmt: skip


def check_page(response, *labels: str) -> str:
    """The page answered, nothing on it came from a payload, and each label's text shows."""
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    assert inert(html) == [], inert(html)
    text = shown(html)
    for label in labels:
        assert label in text, label
    return text


def test_the_fields_were_stored_verbatim(world, hostile):
    report = hostile.report
    assert report.narrative == xss("narrative")
    assert report.document_signer == xss("signer")
    assert report.document_type == short_xss("type")
    assert EvidenceFile.objects.get(report=report).original_name == FILE_NAME
    assert hostile.returned.review_comment == xss("review")
    assert Extension.objects.get(occurrence=world.ours).reason == xss("reason")
    assert Leader.objects.get(organization__code="qn.btctu").name == xss("leader")
    assert PlanItem.objects.get(plan=hostile.plan).text == xss("item")
    assert Alias.objects.filter(name=xss("alias")).exists()


LABELS = ("narrative", "type", "number", "signer", "review", "reason", "decision", "leader",
          "position", "title", "item", "reference", "note", "evaluation", "alias", "org",
          "search", "file")  # fmt: skip


def seen(text: str) -> set[str]:
    """Which fields' text a page shows (by their labels)."""
    found = {label for label in LABELS if f"-{label}-1 " in text}
    if FILE_NAME in text:
        found.add("file")
    return found


def visit(client, url: str, **extra) -> set[str]:
    response = client.get(url, **extra)
    text = check_page(response)
    return seen(text)


def test_every_page_shows_the_script_as_text(world, hostile):
    c = hostile.logins
    p, plan = world.program.pk, hostile.plan.pk
    task, task2 = world.ours.assignment.task_id, world.ours2.assignment.task_id
    report = {"file", "narrative", "number", "signer", "type"}
    plan_text = {"item", "leader", "note", "position", "reference", "title"}
    pages = {
        ("staff", "/work/?show=all"): {"item", "org"},
        ("staff", f"/work/?occurrence={world.ours.pk}"): report | {"item", "org"},
        ("staff", f"/tasks/{task}/"): report | {"org", "reason"},
        ("staff", f"/tasks/{task2}/"): {"decision", "org", "review"},
        ("staff", f"/organizations/qn.btctu/?program={p}"): {"org"},
        ("staff", f"/organizations/?program={p}"): {"org"},
        ("staff", f"/programs/{p}/"): {"org"},
        ("staff", f"/plans/?program={p}"): {"leader", "org", "position", "title"},
        ("staff", f"/plans/{plan}/"): plan_text | {"org"},
        ("outsider", f"/plans/{plan}/"): plan_text | {"org"},
        ("monitor", "/review/"): report | {"org", "reason"},
        ("monitor", f"/evaluation/?program={p}&year=2021"): {"evaluation", "leader", "org"},
        ("monitor", f"/reports/?program={p}&period=2021"): {"org"},
        ("monitor", f"/reports/?program={p}&period=2020-2025&kind=section-ii"): set(),
        ("monitor", "/dashboard/"): {"org"},
        ("admin", "/admin/orgs/alias/"): {"alias", "org"},
        ("admin", "/admin/orgs/organization/"): {"org"},
        ("admin", "/admin/tracking/evidencefile/"): {"file", "org"},
        ("admin", "/admin/tracking/progressreport/"): {"org"},
        ("admin", "/admin/plans/personalplan/"): {"leader", "position", "title"},
    }
    for (who, url), labels in pages.items():
        found = visit(c[who], url)
        assert labels <= found, (who, url, labels - found)
    # The htmx row of the work list, opened and closed.
    opened = c["staff"].get(f"/work/?occurrence={world.ours.pk}", **HTMX)
    assert report <= seen(check_page(opened))
    closed = c["staff"].get(f"/work/?occurrence={world.ours.pk}&expand=0", **HTMX)
    check_page(closed)
    # A report drawn again with an error keeps what was typed, escaped.
    again = c["staff"].post(
        "/work/", report_post(world.ours, narrative=xss("narrative"), percent="400",
                              version=hostile.report.version), **HTMX)  # fmt: skip
    assert "narrative" in seen(check_page(again))
    assert ProgressReport.objects.get(pk=hostile.report.pk).percent == 40


def test_search_box(world, hostile):
    staff = hostile.logins["staff"]
    for q in (xss("search"), *PAYLOADS):
        response = staff.get("/search/", {"q": q})
        check_page(response, q)
    response = staff.get("/search/", {"q": "XSS-narrative", "body": xss("search")})
    check_page(response, xss("search"))


FORMULA = '=HYPERLINK("http://example.com/x","Bấm vào đây")'


def cells(data: bytes) -> list:
    book = load_workbook(io.BytesIO(data))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def no_formulas(data: bytes) -> list[str]:
    """Every cell's text; fails on a cell a spreadsheet program would run as a formula."""
    found = cells(data)
    formulas = [c.coordinate for c in found if c.data_type == "f"]
    assert formulas == [], formulas
    return [c.value for c in found if isinstance(c.value, str)]


def test_exported_files_keep_text_as_text(world, hostile):
    """Script stays text in the DOCX and XLSX; text that looks like a formula is not run."""
    monitor, staff = hostile.logins["monitor"], hostile.logins["staff"]
    p = world.program.pk
    # A done report whose document cells look like formulas, confirmed by the office.
    occurrence = world.theirs
    outsider = hostile.logins["outsider"]
    ok(outsider.post("/work/", report_post(
        occurrence, state="done", percent="", done_on=f"{occurrence.due_date:%d/%m/%Y}",
        document_type="=1+2", document_number="=2+3", document_signer=FORMULA,
        narrative=FORMULA,
    )))  # fmt: skip
    report = ProgressReport.objects.get(occurrence=occurrence)
    ok(monitor.post("/review/", {"kind": "report", "pk": report.pk, "version": report.version,
                                 "decision": "accept", "comment": ""}))  # fmt: skip
    Organization.objects.filter(code="qn.btgtu").update(name=FORMULA)  # a body's name, too
    btctu = Organization.objects.get(code="qn.btctu")
    ok(monitor.post(f"/evaluation/?program={p}&year=2021", {
        "kind": "body", "pk": btctu.pk, "rating": "good", "comment": FORMULA,
    }))  # fmt: skip

    response = monitor.get(f"/evaluation/?program={p}&year=2021&format=xlsx")
    assert response.status_code == 200
    texts = no_formulas(response.content)
    assert FORMULA in texts and xss("org") in texts and xss("leader") in texts

    period = "2020-2025"  # the whole term: whenever Ban Tuyên giáo's period falls
    response = monitor.get("/reports/", {"program": p, "period": period, "format": "xlsx"})
    assert response.status_code == 200
    texts = no_formulas(response.content)
    assert FORMULA in texts and xss("org") in texts

    response = monitor.get("/reports/", {"program": p, "period": "2021", "format": "docx"})
    assert response.status_code == 200
    document = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs) + "\n".join(
        cell.text for table in document.tables for row in table.rows for cell in row.cells
    )
    assert xss("org") in text

    response = staff.get("/work/sheet/", {"period": "2021"})
    assert response.status_code == 200
    texts = no_formulas(response.content)
    assert xss("narrative") in texts and xss("signer") in texts


def test_an_imported_program_keeps_script_as_text(world, hostile):
    """A program whose title and task carry script: the preview, the program, the task, the
    search results and the reminders that quote it."""
    monitor = hostile.logins["monitor"]
    document = f"""KẾ HOẠCH
{xss("import-title")}

Số 07-KH/TU

I. Nhiệm vụ

1. {xss("import-task")}

+ *Cơ quan chủ trì:* Ban Tuyên giáo Tỉnh ủy.

+ *Thời gian hoàn thành:* Trong quý II/2021.
"""
    upload = SimpleUploadedFile(f"{FILE_NAME[:-4]}.md", document.encode())
    response = monitor.post("/import/", {"document": upload}, follow=True)
    check_page(response)  # the draft quotes the task's text, escaped
    token = re.search(r'name="token" value="([0-9a-f]{32})"', response.content.decode())[1]
    ok(monitor.post("/import/", {"token": token, "action": "confirm"}))
    program = Program.objects.get(number="07-KH/TU")
    task = Task.objects.get(program=program)
    # (Markdown reads "*" as emphasis: "{{7*7}}" is imported as "{{77}}", not run either.)
    assert xss("import-task").replace("*", "") in task.text
    check_page(monitor.get(f"/programs/{program.pk}/"), "XSS-import-task-1")
    check_page(monitor.get(f"/tasks/{task.pk}/"), *PAYLOADS[:4], "{% debug %}")
    check_page(monitor.get("/search/", {"q": "import-task"}), "XSS-import-task-1")


def test_notifications_keep_script_as_text(world, hostile):
    """Reminders quote the task's text (a program's text, as imported above)."""
    Task.objects.filter(program=world.program, key="B.I.2").update(text=xss("reminded-task"))
    collect(world.ours.due_date)
    assert Notification.objects.filter(text__contains="XSS-reminded-task-1").exists()
    check_page(hostile.logins["staff"].get("/notifications/"), "XSS-reminded-task-1 <script>")


def test_spreadsheet_cells_keep_script_as_text(world, hostile):
    """The round trip: cells typed with script, previewed, saved, shown."""
    staff = hostile.logins["staff"]
    data = staff.get("/work/sheet/", {"period": "2021"}).content
    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    columns = {cell.value: cell.column for cell in sheet[1]}
    row = next(
        r for r in range(2, sheet.max_row + 1)
        if sheet.cell(row=r, column=columns["Mã"]).value == world.ours2.pk
    )  # fmt: skip
    sheet.cell(row=row, column=columns["Nội dung báo cáo"], value=xss("sheet"))
    sheet.cell(row=row, column=columns["Cơ quan ký văn bản"], value=xss("sheet-signer"))
    out = io.BytesIO()
    book.save(out)
    name = "</textarea><svg onload=alert(1)>.xlsx"
    response = staff.post("/work/sheet/import/", {"file": SimpleUploadedFile(name, out.getvalue())})
    check_page(response, "XSS-sheet-1", "XSS-sheet-signer-1")
    token = re.search(r'name="token" value="([0-9a-f]{32})"', response.content.decode())[1]
    check_page(staff.post("/work/sheet/import/", {"token": token, "action": "draft"}))
    assert ProgressReport.objects.get(occurrence=world.ours2).narrative == xss("sheet")
    check_page(staff.get(f"/tasks/{world.ours2.assignment.task_id}/"), "XSS-sheet-1")


def test_evidence_download_and_redirect_targets(world, hostile):
    """The hostile file name comes back only as an attachment's name; a ``javascript:`` or
    foreign ``next`` is not followed."""
    staff = hostile.logins["staff"]
    evidence = EvidenceFile.objects.get(report=hostile.report)
    response = staff.get(f"/evidence/{evidence.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "\n" not in response["Content-Disposition"]
    for target in ("javascript:alert(1)", "https://evil.example/", "//evil.example/"):
        response = staff.post("/i18n/setlang/", {"language": "vi", "next": target})
        assert response.status_code == 302 and response["Location"] == "/", target
        page = world.login("staff").get("/login/", {"next": target})
        assert page.status_code in (200, 302)
        if page.status_code == 200:
            assert inert(page.content.decode()) == []
