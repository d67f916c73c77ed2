"""The personal plans and evaluation pages: a district secretary's plan written, approved,
sent and acknowledged through the forms; refusals and bad input answered on the page with
nothing written; the plan's own program kept out of the program list; the evaluation table,
its decisions and its XLSX export."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from tests.plans.helpers import district_accounts, sent_plan
from theodoi.plans.evaluation import evaluate
from theodoi.plans.models import EvaluationDecision, PersonalPlan, PlanItem, PlanRecipient
from theodoi.plans.services import proposed_recipients
from theodoi.programs.models import Program

pytestmark = pytest.mark.django_db


@pytest.fixture
def bs(users):
    return district_accounts()


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_menu_offers_plans_and_evaluation_to_whom_the_policy_lets(client_for):
    staff = client_for("staff").get("/programs/").content.decode()
    assert 'href="/plans/"' in staff and 'href="/evaluation/"' not in staff
    monitor = client_for("monitor").get("/programs/").content.decode()
    assert 'href="/plans/"' in monitor and 'href="/evaluation/"' in monitor


def test_a_plan_goes_through_its_pages(example, users, bs):
    staff, head = signed_in(bs.staff), signed_in(bs.head)
    url = f"/plans/?program={example.pk}"
    response = staff.post(url, {"leader_name": "Nguyễn Văn An",
                                "leader_position": "Bí thư Huyện ủy Bình Sơn"})  # fmt: skip
    plan = PersonalPlan.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/plans/{plan.pk}/"
    assert plan.leader.organization == bs.district  # a body's staff write for their body
    page = f"/plans/{plan.pk}/"

    # A date outside the program's term is answered next to the field; nothing is written.
    bad = staff.post(page, {"step": "plan-item", "text": "Tổng kết", "due_date": "31/03/2026"})
    assert bad.status_code == 200
    assert "nằm ngoài nhiệm kỳ của chương trình" in bad.content.decode()
    assert not PlanItem.objects.exists()
    task = example.tasks.get(key="B.III.1.2/3")
    good = staff.post(page, {"step": "plan-item", "text": "Ban hành kế hoạch học tập",
                             "due_date": "2021-06-30", "program_task": task.pk})  # fmt: skip
    assert good.status_code == 302
    assert PlanItem.objects.get().program_task == task

    assert staff.post(page, {"step": "submit"}).status_code == 302
    # Staff may not record the approval; the head does.
    assert staff.post(page, {"step": "approval", "approval_kind": "standing_committee",
                             "approved_on": "15/03/2021"}).status_code == 403  # fmt: skip
    done = head.post(page, {"step": "approval", "approval_kind": "standing_committee",
                            "approved_on": "15/03/2021", "reference": "Thông báo 05-TB/HU"})  # fmt: skip
    assert done.status_code == 302
    plan.refresh_from_db()
    assert plan.approved_on == dt.date(2021, 3, 15) and plan.program is not None

    proposed = [org.pk for org, _ in proposed_recipients(bs.district)]
    sent = staff.post(page, {"step": "send", "recipients": proposed, "sent_on": "20/03/2021"})
    assert sent.status_code == 302
    assert set(PlanRecipient.objects.values_list("organization", flat=True)) == set(proposed)

    copy = PlanRecipient.objects.get(organization__code="qn.btctu")
    refused = signed_in(users["outsider"]).post(page, {"step": "acknowledge", "recipient": copy.pk})
    assert refused.status_code == 403
    acked = signed_in(users["staff"]).post(
        page, {"step": "acknowledge", "recipient": copy.pk, "note": "Đã nhận"}
    )
    assert acked.status_code == 302
    copy.refresh_from_db()
    assert copy.acknowledged_by == users["staff"]

    listing = signed_in(users["monitor"]).get(url).content.decode()
    assert "Nguyễn Văn An" in listing and "15/03/2021" in listing and "20/03/2021" in listing
    assert f"1/{len(proposed)}" in listing
    shown = staff.get(page).content.decode()
    item_task = PlanItem.objects.get().task
    assert f'href="/tasks/{item_task.pk}/"' in shown  # the tracked item's own task page
    assert staff.get(f"/tasks/{item_task.pk}/").status_code == 200


def test_the_plan_page_answers_only_those_who_may_see_it(example, users, bs):
    plan = sent_plan(example, bs.head, bs.staff)
    assert signed_in(bs.staff).get(f"/plans/{plan.pk}/").status_code == 200
    assert signed_in(users["staff"]).get(f"/plans/{plan.pk}/").status_code == 200  # recipient
    assert signed_in(users["outsider"]).get(f"/plans/{plan.pk}/").status_code == 403
    listing = signed_in(users["outsider"]).get(f"/plans/?program={example.pk}").content.decode()
    assert "Nguyễn Văn An" not in listing


def test_a_plans_program_stays_out_of_the_program_list(example, users, bs):
    plan = sent_plan(example, bs.head, bs.staff)
    assert Program.objects.count() == 2
    monitor = signed_in(users["monitor"])
    programs = monitor.get("/programs/").content.decode()
    assert plan.program.number not in programs and example.number in programs
    dashboard = monitor.get("/dashboard/")
    assert dashboard.context["program"] == example
    # Nor does any program picker offer it (choosing it would be a 404).
    for page in ("/dashboard/", "/organizations/", f"/plans/?program={example.pk}"):
        assert list(monitor.get(page).context["programs"]) == [example], page


def test_the_evaluation_page_records_decisions_and_exports_the_table(example, users, bs):
    plan = sent_plan(example, bs.head, bs.staff)
    url = f"/evaluation/?program={example.pk}&year=2021"
    assert signed_in(users["staff"]).get(url).status_code == 403
    monitor = signed_in(users["monitor"])
    page = monitor.get(url)
    assert page.status_code == 200
    result = evaluate(example, 2021)
    text = page.content.decode()
    assert plan.leader.name in text and "Huyện ủy Bình Sơn" in text
    assert len(page.context["bodies"]) == len(result.bodies)

    bad = monitor.post(url, {"kind": "leader", "pk": plan.leader.pk, "rating": "rat tot"})
    assert bad.status_code == 200 and not EvaluationDecision.objects.exists()
    ok = monitor.post(url, {"kind": "leader", "pk": plan.leader.pk, "rating": "good",
                            "comment": "Thực hiện nghiêm túc"})  # fmt: skip
    assert ok.status_code == 302
    decision = EvaluationDecision.objects.get()
    row = next(r for r in result.leaders if r.leader == plan.leader)
    assert (decision.rating, decision.suggested_rating) == ("good", row.suggestion or "")
    assert "Thực hiện nghiêm túc" in monitor.get(url).content.decode()

    export = monitor.get(url + "&format=xlsx")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(export.content))
    rows = {r[0].value: [c.value for c in r] for r in book.worksheets[0].iter_rows(min_row=2)}
    district = next(r for r in result.bodies if r.organization.code == "qn.hu-binhson")
    assert rows["Huyện ủy Bình Sơn"][1:4] == [
        district.figures.due, district.figures.done_on_time, district.figures.done_late,
    ]  # fmt: skip

    year = monitor.get(f"/evaluation/?program={example.pk}&year=hai-nghin")
    assert "không phải là năm" in year.content.decode()
