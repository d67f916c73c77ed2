"""Every role acts within its own committee: the province's office and leaders on the
province's program and on the district program below it; a district's office and leaders on
the district's program only, never on the province's (above) nor another committee's (beside);
nobody rates their own body. The province and the district accounts side by side, asked of
the policy, then through the web and the API, which must answer the same.

The world: the example province and program (tests/security/conftest.py), the bundled
district program of Huyện ủy Bình Sơn imported under it, and for each program a report
submitted by one of its bodies, awaiting the office."""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from theodoi.orgs.models import Organization
from theodoi.orgs.registry import load_registry_file
from theodoi.plans.evaluation import record_decision
from theodoi.plans.models import EvaluationDecision
from theodoi.programs.importer import import_program
from theodoi.programs.lineage import example_district
from theodoi.programs.models import Occurrence, Program, Task
from theodoi.tracking.models import Membership, ProgressReport, ReportStatus, Role
from theodoi.tracking.policy import Action, allows, refusal, visible_reports
from theodoi.tracking.reports import save_report, submit_report

DISTRICT = "qn.hu-binhson"
YEAR = 2021


@pytest.fixture(scope="module")
def district(world, django_db_blocker) -> SimpleNamespace:
    """The district program, the district's accounts, and one submitted report on each
    program: the province's by Ban Tổ chức Tỉnh ủy, the district's by a district body."""
    with django_db_blocker.unblock():
        path, registry = example_district()
        load_registry_file(registry)
        import_program(path=path, parent=world.program.number)
        program = Program.objects.get(issuer__code=DISTRICT)

        def member(username: str, code: str, role: Role):
            user = get_user_model().objects.create_user(username, password="mat-khau-thu")
            Membership.objects.create(
                user=user, organization=Organization.objects.get(code=code), role=role
            )
            return user

        users = {
            "d_monitor": member("d_monitor", f"{DISTRICT}.vp", Role.MONITOR),
            "d_leader": member("d_leader", f"{DISTRICT}.btv", Role.LEADER),
            "d_admin": member("d_admin", f"{DISTRICT}.vp", Role.ADMIN),
        }
        theirs = (
            Occurrence.objects.filter(
                assignment__task__program=program,
                assignment__organization__parent__code=DISTRICT,
                status=Occurrence.Status.OPEN,
            )
            .select_related("assignment__organization")
            .order_by("due_date", "pk")
            .first()
        )
        users["d_staff"] = member("d_staff", theirs.assignment.organization.code, Role.STAFF)

        def submitted(user, occurrence: Occurrence) -> ProgressReport:
            report = save_report(
                user=user, occurrence=occurrence, expected_version=None, state="in_progress",
                percent=40, narrative="Đang triển khai",
            )  # fmt: skip
            return submit_report(user=user, report=report, expected_version=report.version)

        return SimpleNamespace(
            program=program,
            users=users,
            body=theirs.assignment.organization,
            province_report=submitted(world.users["staff"], world.ours),
            district_report=submitted(users["d_staff"], theirs),
            province_task=world.ours.assignment.task,
            district_task=theirs.assignment.task,
        )


def who(world, district, name: str):
    return district.users.get(name) or world.users[name]


# --- The policy ---------------------------------------------------------------------------------

# (account, may act on the province's program, may act on the district's)
OFFICES = [("monitor", True, True), ("admin", True, True), ("d_monitor", False, True),
           ("d_admin", False, True)]  # fmt: skip


@pytest.mark.parametrize(("name", "province", "lower"), OFFICES)
def test_the_office_reviews_amends_and_designates_within_its_committee(
    world, district, name, province, lower
):
    user = who(world, district, name)
    for obj, expected in (
        (district.province_report, province),
        (district.district_report, lower),
    ):
        assert allows(user, Action.REVIEW_REPORT, obj) is expected, (name, obj)
    for task, expected in ((district.province_task, province), (district.district_task, lower)):
        assert allows(user, Action.AMEND_PROGRAM, task) is expected
        assert allows(user, Action.DESIGNATE_LEAD, task) is expected
        assert allows(user, Action.IMPORT_PROGRAM, task.program) is expected
        assert allows(user, Action.PRODUCE_REPORT, task.program) is expected
    if not province:
        why = refusal(user, Action.AMEND_PROGRAM, district.province_task)
        assert "Huyện ủy Bình Sơn" in why and "cấp khác theo dõi" in why


def test_a_district_office_sees_its_own_and_its_bodies_work_not_the_provinces(world, district):
    seen = set(visible_reports(district.users["d_monitor"]).values_list("pk", flat=True))
    assert district.district_report.pk in seen
    assert district.province_report.pk not in seen
    everything = set(visible_reports(world.users["monitor"]).values_list("pk", flat=True))
    assert {district.district_report.pk, district.province_report.pk} <= everything
    # the program's text stays open to every member
    assert allows(district.users["d_monitor"], Action.VIEW_TASK, district.province_task)


def test_a_district_body_on_the_provinces_program_is_followed_by_its_own_office(world, district):
    """Huyện ủy Bình Sơn owes the province work (B.II.1): its office sees it, but the
    province's office confirms it."""
    owed = Occurrence.objects.filter(
        assignment__task__program=world.program, assignment__organization__code=DISTRICT
    ).first()
    assert owed is not None
    d_monitor = district.users["d_monitor"]
    assert allows(d_monitor, Action.VIEW_OCCURRENCE, owed)
    report = ProgressReport(occurrence=owed, organization=owed.assignment.organization,
                            status=ReportStatus.SUBMITTED)  # fmt: skip
    assert allows(d_monitor, Action.VIEW_REPORT, report)
    assert not allows(d_monitor, Action.REVIEW_REPORT, report)
    assert allows(world.users["monitor"], Action.REVIEW_REPORT, report)


def test_leaders_evaluate_within_their_committee_and_never_their_own_body(world, district):
    d_leader, leader = district.users["d_leader"], world.users["leader"]
    province_body = district.province_report.organization
    with pytest.raises(Exception, match="cấp khác theo dõi"):
        record_decision(user=d_leader, program=world.program, year=YEAR, rating="excellent",
                        organization=province_body)  # fmt: skip
    own = Organization.objects.get(code=f"{DISTRICT}.btv")
    with pytest.raises(Exception, match="chính cơ quan mình"):
        record_decision(user=d_leader, program=district.program, year=YEAR, rating="excellent",
                        organization=own)  # fmt: skip
    assert not EvaluationDecision.objects.exists()
    made = record_decision(user=d_leader, program=district.program, year=YEAR,
                           rating="good", organization=district.body)  # fmt: skip
    assert made.decided_by == d_leader
    # the province's leader evaluates the province's program and the one below it
    record_decision(user=leader, program=district.program, year=YEAR, rating="good",
                    organization=district.body)  # fmt: skip
    with pytest.raises(Exception, match="chính cơ quan mình"):
        record_decision(user=leader, program=world.program, year=YEAR, rating="excellent",
                        organization=Organization.objects.get(code="qn.btv"))  # fmt: skip


# --- The faces ----------------------------------------------------------------------------------


def api(world, district, name: str) -> Client:
    client = Client()
    client.force_login(who(world, district, name))
    return client


def post_json(client: Client, path: str, data: dict, method: str = "post"):
    return getattr(client, method)(path, json.dumps(data), content_type="application/json")


def test_a_district_office_cannot_review_the_provinces_report_on_web_or_api(world, district):
    report = district.province_report
    for name in ("d_monitor", "d_admin"):
        client = api(world, district, name)
        web = client.post("/review/", {"kind": "report", "pk": report.pk, "decision": "accept",
                                       "version": report.version})  # fmt: skip
        assert web.status_code in (403, 404), name
        answer = post_json(client, f"/api/progress-reports/{report.pk}/review",
                           {"version": report.version, "decision": "accept"})  # fmt: skip
        assert answer.status_code in (403, 404), (name, answer.content)
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    # the district's own report, by the district's office: confirmed
    own = district.district_report
    answer = post_json(api(world, district, "d_monitor"),
                       f"/api/progress-reports/{own.pk}/review",
                       {"version": own.version, "decision": "accept"})  # fmt: skip
    assert answer.status_code == 200, answer.content
    own.refresh_from_db()
    assert own.status == ReportStatus.CONFIRMED


def test_a_district_office_cannot_amend_the_provinces_program_on_web_or_api(world, district):
    task = district.province_task
    before = Task.objects.filter(pk=task.pk).values().get()
    client = api(world, district, "d_monitor")
    answer = post_json(client, f"/api/tasks/{task.pk}",
                       {"reason": "Thử", "time": f"30/6/{dt.date.today().year + 2}"},
                       method="patch")  # fmt: skip
    assert answer.status_code == 403, answer.content
    assert "cấp khác theo dõi" in answer.json()["detail"]
    answer = post_json(client, f"/api/tasks/{task.pk}/withdraw", {"reason": "Thử"})
    assert answer.status_code == 403
    web = client.post(f"/tasks/{task.pk}/amend/", {"change": "withdraw", "reason": "Thử"})
    assert web.status_code == 403
    assert Task.objects.filter(pk=task.pk).values().get() == before
    # the province's office amends the district's program (below it)
    lower = district.district_task
    answer = post_json(api(world, district, "monitor"), f"/api/tasks/{lower.pk}/withdraw",
                       {"reason": "Trùng nhiệm vụ"})  # fmt: skip
    assert answer.status_code == 200, answer.content


def test_a_district_office_cannot_import_an_amendment_of_the_provinces_program(world, district):
    """The finding: ``POST /api/imports/{id}/confirm {"amends": "CTHD-TINHUY-2020-2025"}``
    withdrew tasks for the whole province. Refused at the upload, and at the confirmation."""
    client = api(world, district, "d_monitor")
    path, _registry = example_district()
    with path.open("rb") as document:
        answer = client.post("/api/imports/", {"document": document,
                                                "amends": world.program.number})  # fmt: skip
    assert answer.status_code == 403, answer.content
    assert "cấp khác theo dõi" in answer.json()["detail"]
    with path.open("rb") as document:  # its own program, again: allowed
        answer = client.post("/api/imports/", {"document": document})
    assert answer.status_code == 201, answer.content
    pending = answer.json()["id"]
    answer = post_json(client, f"/api/imports/{pending}/confirm",
                       {"amends": world.program.number})  # fmt: skip
    assert answer.status_code == 403, answer.content
    assert world.program.versions.count() == 1
    assert not world.program.tasks.filter(withdrawn_in__isnull=False).exists()
    answer = post_json(client, f"/api/imports/{pending}/confirm", {})
    assert answer.status_code == 200, answer.content
    assert answer.json()["unchanged"] is True


def test_each_office_hears_of_its_own_committees_reports_only(world, district):
    """The office's daily notice (the urging loop's report to the office) counts and lists
    what its own committee's programs received."""
    from theodoi.tracking.models import Notification
    from theodoi.tracking.reminders import collect

    collect(dt.date.today() + dt.timedelta(days=1))
    daily = Notification.Kind.MONITOR_DAILY
    mine = Notification.objects.get(recipient=district.users["d_monitor"], kind=daily).text
    theirs = Notification.objects.get(recipient=world.users["monitor"], kind=daily).text
    assert "1 báo cáo gửi đến Văn phòng" in mine
    assert district.body.name in mine
    assert district.province_report.organization.name not in mine
    assert "2 báo cáo gửi đến Văn phòng" in theirs  # the province's and the one below it


def test_a_district_office_cannot_produce_the_provinces_periodic_report(world, district):
    client = api(world, district, "d_monitor")
    web = client.get("/reports/", {"program": world.program.pk, "period": "2021-Q2",
                                   "kind": "section-ii"})  # fmt: skip
    assert web.status_code == 403
    own = client.get("/reports/", {"program": district.program.pk, "period": "2021-Q2",
                                   "kind": "section-ii"})  # fmt: skip
    assert own.status_code == 200


def test_the_offices_own_report_is_confirmed_by_its_committees_leader_only(world, district):
    """Văn phòng Tỉnh ủy's own report: not the office (its own body), not a district's
    leader or office (another committee), not an ordinary body; the province's leader."""
    owed = (
        Occurrence.objects.filter(
            assignment__task__program=world.program,
            assignment__organization__code="qn.vptu",
            status=Occurrence.Status.OPEN,
        )
        .select_related("assignment__organization", "assignment__task")
        .first()
    )
    assert owed is not None
    report = ProgressReport(occurrence=owed, organization=owed.assignment.organization,
                            status=ReportStatus.SUBMITTED)  # fmt: skip
    answers = {
        name: allows(who(world, district, name), Action.REVIEW_REPORT, report)
        for name in ("monitor", "admin", "leader", "d_leader", "d_monitor", "staff", "head")
    }
    assert answers == {"monitor": False, "admin": False, "leader": True, "d_leader": False,
                       "d_monitor": False, "staff": False, "head": False}  # fmt: skip
    # and the province's leader does not confirm a district body's nor Ban Tổ chức's report
    assert not allows(world.users["leader"], Action.REVIEW_REPORT, district.province_report)
    assert not allows(district.users["d_leader"], Action.REVIEW_REPORT, district.district_report)
