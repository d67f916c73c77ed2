"""Text that looks like SQL (or like a LIKE pattern) is only text.

The strings of ``hostile.SQL`` (a DROP TABLE, an OR 1=1, ``%_\\``, Vietnamese with astral
characters) are typed into the free-text fields (report narrative and signer, extension
reason, review comment, plan leader and item, evaluation comment), where they are stored and
read back equal, in NFC even when typed decomposed (NFD); and sent as every query parameter
of the pages that read one (search filters and pages, work list, dashboard, organisations,
plans, evaluation, reports, spreadsheet, admin search) and as an organisation code in the
address: the answer is a page or a 404, never an error, and no row changes."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

import pytest
from django.db import connection

from theodoi.orgs.models import Organization
from theodoi.plans.models import EvaluationDecision, Leader, PersonalPlan, PlanItem
from theodoi.programs.models import Occurrence, Task
from theodoi.tracking.models import Extension, ProgressReport

from .hostile import SQL

# Staff send straight to the office here: what is tested is not the sign-off.
pytestmark = pytest.mark.usefixtures("straight_to_the_office")

MODELS = (ProgressReport, Extension, PersonalPlan, PlanItem, EvaluationDecision, Organization,
          Task)  # fmt: skip
NFD = unicodedata.normalize("NFD", "Báo cáo tiến độ của Ban Tổ chức Tỉnh ủy Quảng Ngãi")


def snapshot() -> dict:
    return {m.__name__: list(m.objects.order_by("pk").values()) for m in MODELS}


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def test_stored_verbatim_and_read_back(world):
    staff, monitor = world.login("staff"), world.login("monitor")
    texts = [*SQL, NFD]
    others = ProgressReport.objects.count(), Task.objects.count()
    for text in texts:
        report = ProgressReport.objects.filter(occurrence=world.ours).first()
        response = staff.post("/work/", {
            "form": "report", "occurrence": world.ours.pk, "state": "in_progress",
            "percent": "5", "narrative": text, "document_signer": text[:300],
            "version": report.version if report else "", "action": "save",
        })  # fmt: skip
        assert response.status_code == 302, text
        report = ProgressReport.objects.get(occurrence=world.ours)
        assert report.narrative == nfc(text) and report.document_signer == nfc(text)
        page = staff.get(f"/tasks/{world.ours.assignment.task_id}/").content.decode()
        assert nfc(text).replace("'", "&#x27;").replace('"', "&quot;").split()[0] in page
    assert (ProgressReport.objects.count(), Task.objects.count()) == (others[0] + 1, others[1])
    # The returned report's comment, the extension's reason.
    report = ProgressReport.objects.get(occurrence=world.ours)
    staff.post("/work/", {"form": "report", "occurrence": world.ours.pk, "state": "in_progress",
                          "version": report.version, "action": "send"})  # fmt: skip
    report.refresh_from_db()
    comment = " | ".join(texts)
    response = monitor.post("/review/", {"kind": "report", "pk": report.pk,
                                         "version": report.version, "decision": "return",
                                         "comment": comment})  # fmt: skip
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.review_comment == nfc(comment)
    response = staff.post("/work/", {"form": "extension", "occurrence": world.ours2.pk,
                                     "new_due": "31/12/2030", "reason": comment})  # fmt: skip
    assert response.status_code == 302
    assert Extension.objects.get(occurrence=world.ours2).reason == nfc(comment)
    # A plan, its item, an evaluation comment.
    name = SQL[0][:200]
    response = staff.post(
        f"/plans/?program={world.program.pk}",
        {"leader_name": name, "leader_position": SQL[1], "title": NFD},
    )
    assert response.status_code == 302
    plan = PersonalPlan.objects.get()
    assert Leader.objects.get().name == name and plan.title == nfc(NFD)
    response = staff.post(
        f"/plans/{plan.pk}/", {"step": "plan-item", "text": comment, "due_date": "31/12/2023"}
    )
    assert response.status_code == 302
    assert PlanItem.objects.get().text == nfc(comment)
    btctu = Organization.objects.get(code="qn.btctu")
    response = monitor.post(
        f"/evaluation/?program={world.program.pk}&year=2021",
        {"kind": "body", "pk": btctu.pk, "rating": "pass", "comment": comment},
    )
    assert response.status_code == 302
    assert EvaluationDecision.objects.get().comment == nfc(comment)
    # The tables the strings name are all still there.
    tables = set(connection.introspection.table_names())
    assert {"tracking_progressreport", "programs_task", "orgs_organization"} <= tables


def pages(world) -> dict[str, tuple[str, ...]]:
    """Each page and the query parameters it reads."""
    task = world.ours.assignment.task_id
    return {
        "/search/": ("q", "program", "area", "body", "role", "status", "due_from", "due_to",
                     "as_of", "page", "task_page"),
        "/work/": ("show", "occurrence"),
        "/dashboard/": ("program", "as_of"),
        "/organizations/": ("program", "as_of", "sort"),
        "/organizations/qn.btctu/": ("program", "as_of"),
        "/programs/": ("program",),
        f"/tasks/{task}/": ("as_of",),
        "/plans/": ("program",),
        "/evaluation/": ("program", "year"),
        "/reports/": ("program", "period", "number", "date", "kind", "proposals", "format"),
        "/work/sheet/": ("period", "program", "organization"),
        "/admin/orgs/organization/": ("q",),
        "/admin/tracking/progressreport/": ("q",),
    }  # fmt: skip


def test_query_parameters_and_addresses(world):
    monitor, staff = world.login("monitor"), world.login("staff")
    admin = world.login("admin")
    before = snapshot()
    for url, names in pages(world).items():
        client = admin if url.startswith("/admin/") else staff if url == "/work/" else monitor
        # The dashboard and the organisations list compute every figure: two strings there.
        texts = SQL if url not in ("/dashboard/", "/organizations/") else (SQL[0], SQL[2])
        for name in names:
            for text in texts:
                base = {"q": "du lich"} if url == "/search/" else {}  # so the search runs
                response = client.get(url, {**base, name: text})
                assert response.status_code in (200, 404), (url, name, text, response)
    # The text search: a pattern character matches itself, not everything.
    everything = monitor.get("/search/", {"q": "%"}).context
    assert not everything.get("rows"), "“%” found rows"
    assert not monitor.get("/search/", {"q": "_"}).context.get("rows")
    assert not monitor.get("/search/", {"q": SQL[1]}).context.get("rows")
    for text in SQL:
        response = monitor.get("/organizations/" + quote(text, safe="") + "/")
        assert response.status_code == 404, text
        response = staff.get(f"/tasks/{world.ours.assignment.task_id}/", {"as_of": text})
        assert response.status_code == 200 and "không phải là ngày" in response.content.decode()
    assert snapshot() == before
    assert Occurrence.objects.filter(pk=world.ours.pk).exists()
