"""The office's own work is confirmed: nobody reviews their own body's report, so the
reports and extension requests of the monitoring office (Văn phòng) go to a leader of the
committee (role leader). A leader reviews nothing else, and the review queue shows them only
what they can act on."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from theodoi.programs.models import Assignment, Occurrence, Task
from theodoi.tracking.extensions import decide_extension, request_extension
from theodoi.tracking.models import Extension, ReportStatus, Role
from theodoi.tracking.policy import Action, allows, refusal
from theodoi.tracking.reports import review_report, save_report, submit_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(bodies, member):
    """One task with an occurrence for the office and one for body A; the office's monitor
    and staff, A's staff, a leader of the committee, and a leader of another committee."""

    def occurrence_of(org, key):
        task = Task.objects.create(
            program=bodies.program, key=key, text=f"Nhiệm vụ {key}", time_kind="deadline",
            lead=org, added_in=bodies.v1,
        )  # fmt: skip
        assignment = Assignment.objects.create(task=task, organization=org, leads=True)
        return Occurrence.objects.create(
            assignment=assignment, due_date=date(2030, 6, 30), label="Quý II/2030",
            source="deadline",
        )  # fmt: skip

    from theodoi.orgs.models import Kind, Organization

    other = Organization.objects.create(code="hu", name="Huyện ủy", kind=Kind.PARTY_COMMITTEE)
    users = dict(
        monitor=member("vp", bodies.office, Role.MONITOR),
        office_staff=member("vp-cb", bodies.office, Role.STAFF),
        a_staff=member("a-cb", bodies.a, Role.STAFF),
        leader=member("btv", bodies.committee, Role.LEADER),
        far_leader=member("hu-btv", other, Role.LEADER),
    )
    office_occ, a_occ = occurrence_of(bodies.office, "1"), occurrence_of(bodies.a, "2")

    def submitted(user, occ):
        report = save_report(
            user=user, occurrence=occ, expected_version=None, state="in_progress", percent=50,
            narrative="Đang triển khai.",
        )  # fmt: skip
        return submit_report(user=user, report=report, expected_version=report.version)

    return dict(
        **users,
        office_report=submitted(users["office_staff"], office_occ),
        a_report=submitted(users["a_staff"], a_occ),
        office_occ=office_occ,
        a_occ=a_occ,
    )


def test_the_leader_confirms_the_offices_own_report_and_nobody_else_can(w):
    report = w["office_report"]
    assert not allows(w["monitor"], Action.REVIEW_REPORT, report)
    assert "lãnh đạo" in refusal(w["monitor"], Action.REVIEW_REPORT, report).lower()
    assert not allows(w["far_leader"], Action.REVIEW_REPORT, report)  # another committee
    assert allows(w["leader"], Action.REVIEW_REPORT, report)
    done = review_report(
        user=w["leader"], report=report, expected_version=report.version, accept=True
    )
    assert done.status == ReportStatus.CONFIRMED


def test_a_leader_does_not_review_an_ordinary_bodys_report(w):
    report = w["a_report"]
    assert allows(w["monitor"], Action.REVIEW_REPORT, report)
    assert not allows(w["leader"], Action.REVIEW_REPORT, report)
    assert "Văn phòng" in refusal(w["leader"], Action.REVIEW_REPORT, report)
    with pytest.raises(PermissionDenied):
        review_report(user=w["leader"], report=report, expected_version=report.version,
                      accept=True)  # fmt: skip


def test_the_leader_decides_the_offices_extension_not_others(w):
    now = timezone.now()
    office_ask = request_extension(user=w["office_staff"], occurrence=w["office_occ"],
                                   new_due=date(2030, 9, 30), reason="Chờ Trung ương", now=now)  # fmt: skip
    a_ask = request_extension(user=w["a_staff"], occurrence=w["a_occ"],
                              new_due=date(2030, 9, 30), reason="Chờ Trung ương", now=now)  # fmt: skip
    assert not allows(w["monitor"], Action.DECIDE_EXTENSION, office_ask)
    assert not allows(w["leader"], Action.DECIDE_EXTENSION, a_ask)
    decided = decide_extension(user=w["leader"], extension=office_ask, approve=True)
    assert decided.status == Extension.Status.APPROVED


def test_the_queue_shows_the_leader_only_the_offices_work_and_the_office_what_it_can_do_first(w):
    leader = Client()
    leader.force_login(w["leader"])
    page = leader.get("/review/").content.decode()
    assert f'id="report-{w["office_report"].pk}"' in page
    assert f'id="report-{w["a_report"].pk}"' not in page
    assert 'value="accept"' in page
    office = Client()
    office.force_login(w["monitor"])
    page = office.get("/review/").content.decode()
    # both are listed; the one the office can confirm comes first, the other says who does
    first, second = (
        page.index(f'id="report-{w["a_report"].pk}"'),
        page.index(f'id="report-{w["office_report"].pk}"'),
    )
    assert first < second
    assert page.count('value="accept"') == 1
    # the leader confirms through the page
    response = leader.post(
        "/review/",
        {"kind": "report", "pk": w["office_report"].pk, "version": w["office_report"].version,
         "decision": "accept", "comment": ""},
    )  # fmt: skip
    assert response.status_code in (200, 302)
    w["office_report"].refresh_from_db()
    assert w["office_report"].status == ReportStatus.CONFIRMED
