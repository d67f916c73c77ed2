"""The admin obeys the permission policy and shows each object's audit trail, on the example
program: a body's staff sees its own body's work, the office sees everything, a superuser
without a body sees nothing of theodoi, and nobody changes the audit log."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.test import Client

from theodoi.orgs.models import Organization
from theodoi.programs.models import Assignment, Occurrence, Task
from theodoi.tracking import policy
from theodoi.tracking.audit import Change
from theodoi.tracking.leads import designate_lead, lead_candidates
from theodoi.tracking.models import Role
from theodoi.tracking.policy import Action, visible_occurrences
from theodoi.tracking.reports import save_report

FLAGGED = "B.III.1.1/2"  # the districts, the party delegations and Ban Tuyên giáo; no lead
OWN = "B.III.1.3/2"  # Ban Tổ chức's "tinh giản biên chế" plan, quý I/2021


def open_occurrence(code: str, **where) -> Occurrence:
    """The body's first open occurrence (on a task Ban Tổ chức does not lead)."""
    rows = Occurrence.objects.filter(
        assignment__organization__code=code, status=Occurrence.Status.OPEN, **where
    ).exclude(assignment__task__lead__code="qn.btctu")
    return rows.order_by("due_date", "pk").first()


@pytest.fixture
def w(example, member) -> SimpleNamespace:
    """Ban Tổ chức's staff and Ban Tuyên giáo's (the outsider), each with a report on their
    own body's occurrence; the Office's monitor; a superuser with no body. All may enter
    /admin/ (``is_staff``)."""
    staff = member("to-chuc", "qn.btctu", Role.STAFF, is_staff=True)
    outsider = member("tuyen-giao", "qn.btgtu", Role.STAFF, is_staff=True)
    own = Occurrence.objects.get(
        assignment__task__key=OWN, assignment__organization__code="qn.btctu"
    )
    return SimpleNamespace(
        staff=staff,
        outsider=outsider,
        monitor=member("van-phong", "qn.vptu", Role.MONITOR, is_staff=True),
        admin=member("quan-tri", "qn.vptu", Role.ADMIN, is_staff=True),
        superuser=get_user_model().objects.create_superuser("sieu", password="x"),
        own=save_report(user=staff, occurrence=own, expected_version=None, state="in_progress"),
        other=save_report(
            user=outsider,
            occurrence=open_occurrence("qn.btgtu"),
            expected_version=None,
            state="in_progress",
        ),
    )


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def listed(client: Client, url: str) -> set[int]:
    """The primary keys a changelist shows, every page of it."""
    page = client.get(url)
    assert page.status_code == 200, url
    return set(page.context["cl"].queryset.values_list("pk", flat=True))


def test_a_body_sees_its_own_work_only(w):
    client = as_user(w.staff)
    assert listed(client, "/admin/tracking/progressreport/") == {w.own.pk}
    occurrences = listed(client, "/admin/programs/occurrence/")
    assert occurrences == set(visible_occurrences(w.staff).values_list("pk", flat=True))
    assert (
        not Occurrence.objects.filter(pk__in=occurrences)
        .exclude(assignment__organization__code="qn.btctu")
        .exists()
    )
    assignments = Assignment.objects.filter(pk__in=listed(client, "/admin/programs/assignment/"))
    assert {a.organization.code for a in assignments} == {"qn.btctu"}
    # Every task of the program is open to every member.
    assert len(listed(client, "/admin/programs/task/")) == Task.objects.count()

    assert client.get(f"/admin/tracking/progressreport/{w.own.pk}/change/").status_code == 200
    refused = client.get(f"/admin/tracking/progressreport/{w.other.pk}/change/")
    assert refused.status_code == 403
    other_occurrence = w.other.occurrence_id
    assert client.get(f"/admin/programs/occurrence/{other_occurrence}/change/").status_code == 403
    # No audit log as a whole, no memberships.
    assert client.get("/admin/auditlog/logentry/").status_code == 403
    assert client.get("/admin/tracking/membership/").status_code == 403


def test_a_body_reads_the_registry_but_cannot_change_it(w):
    client = as_user(w.staff)
    body = Organization.objects.get(code="qn.btctu")
    url = f"/admin/orgs/organization/{body.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200 and not page.context["has_change_permission"]
    assert client.post(url, {"name": "Ban khác", "code": body.code}).status_code == 403
    assert client.get("/admin/orgs/organization/add/").status_code == 403
    assert (
        client.post(f"/admin/orgs/organization/{body.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert client.get("/admin/orgs/organization/").context["action_form"] is None  # no actions
    body.refresh_from_db()
    assert body.name == "Ban Tổ chức Tỉnh ủy"
    # Nor the program: its tasks are shown, not changed.
    task = Task.objects.get(key=OWN, withdrawn_in__isnull=True)
    page = client.get(f"/admin/programs/task/{task.pk}/change/")
    assert page.status_code == 200 and not page.context["has_change_permission"]


def test_the_office_sees_everything(w):
    client = as_user(w.monitor)
    assert listed(client, "/admin/tracking/progressreport/") == {w.own.pk, w.other.pk}
    assert len(listed(client, "/admin/programs/occurrence/")) == Occurrence.objects.count()
    for report in (w.own, w.other):
        assert client.get(f"/admin/tracking/progressreport/{report.pk}/change/").status_code == 200
    # Seeing is not managing the registry.
    body = Organization.objects.get(code="qn.btctu")
    assert (
        client.get(f"/admin/orgs/organization/{body.pk}/change/").context["has_change_permission"]
        is False
    )


def test_a_superuser_without_a_body_gets_nothing_of_theodoi(w):
    client = as_user(w.superuser)
    index = client.get("/admin/")
    assert index.status_code == 200
    # Accounts and their security (login attempts, two-factor devices) only.
    assert {app["app_label"] for app in index.context["app_list"]} <= {"auth", "axes", "otp_totp"}
    for url in (
        "/admin/programs/task/",
        "/admin/tracking/progressreport/",
        "/admin/orgs/organization/",
        "/admin/auditlog/logentry/",
        f"/admin/tracking/progressreport/{w.own.pk}/change/",
        f"/admin/tracking/progressreport/{w.own.pk}/history/",
    ):
        assert client.get(url).status_code == 403, url


def test_a_task_history_shows_the_lead_designated_before_and_after(w):
    task = Task.objects.get(key=FLAGGED, withdrawn_in__isnull=True)
    designate_lead(
        user=w.monitor, task=task, organization=Organization.objects.get(code="qn.btgtu")
    )
    # Any member may read a task's history, a body's staff included.
    page = as_user(w.staff).get(f"/admin/programs/task/{task.pk}/history/")
    assert page.status_code == 200
    created, *_, designated = page.context["entries"]
    assert (created.action, created.actor) == ("Tạo mới", "hệ thống")
    assert (designated.action, designated.actor) == ("Sửa", "van-phong")
    assert Change("Cơ quan chủ trì", "—", "Ban Tuyên giáo Tỉnh ủy") in designated.changes
    assert Change("Cần chỉ định cơ quan chủ trì", "có", "không") in designated.changes
    assert "Ban Tuyên giáo Tỉnh ủy" in page.text and "Lịch sử thay đổi" in page.text


def test_a_history_is_refused_to_whoever_may_not_see_the_object(w):
    url = f"/admin/tracking/progressreport/{w.own.pk}/history/"
    assert as_user(w.outsider).get(url).status_code == 403
    own = as_user(w.staff).get(url)
    assert own.status_code == 200
    assert [entry.action for entry in own.context["entries"]] == ["Tạo mới"]
    assert as_user(w.monitor).get(url).status_code == 200
    # A membership's history is the administrators' and the office's, not a body's.
    membership = w.outsider.membership
    assert (
        as_user(w.staff).get(f"/admin/tracking/membership/{membership.pk}/history/").status_code
        == 403
    )
    assert (
        as_user(w.admin).get(f"/admin/tracking/membership/{membership.pk}/history/").status_code
        == 200
    )


def post_data(page) -> dict:
    """What a browser would send back from an admin change page, unchanged."""
    forms = [page.context["adminform"].form]
    for inline in page.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            data[form.add_prefix(name)] = "on" if value is True else value
    return data


def test_the_office_designates_a_lead_in_the_admin_through_the_service(w):
    task = Task.objects.get(key=FLAGGED, withdrawn_in__isnull=True)
    url = f"/admin/programs/task/{task.pk}/change/"
    client = as_user(w.monitor)
    page = client.get(url)
    lead = page.context["adminform"].form.fields["lead"]
    assert set(lead.queryset) == set(lead_candidates(task)) and lead.queryset.count() > 1
    data = post_data(page)

    # A body with nothing to do on the task is not offered, and refused.
    outside = Organization.objects.get(code="qn.btctu")
    refused = client.post(url, {**data, "lead": outside.pk})
    assert refused.status_code == 200 and "lead" in refused.context["adminform"].form.errors

    done = client.post(url, {**data, "lead": Organization.objects.get(code="qn.btgtu").pk})
    assert done.status_code == 302
    task.refresh_from_db()
    assert task.lead.code == "qn.btgtu" and not task.needs_lead
    leading = Assignment.objects.filter(task=task, leads=True)
    assert [a.organization.code for a in leading] == ["qn.btgtu"]


def test_designating_leads_alone_changes_only_the_lead(w, member, monkeypatch):
    # No role has one without the other today; the admin keeps them apart all the same.
    leader_actions = policy.ROLE_ACTIONS[Role.LEADER] | {Action.DESIGNATE_LEAD}
    monkeypatch.setitem(policy.ROLE_ACTIONS, Role.LEADER, leader_actions)
    leader = member("lanh-dao", "qn.vptu", Role.LEADER, is_staff=True)
    task = Task.objects.get(key=FLAGGED, withdrawn_in__isnull=True)
    page = as_user(leader).get(f"/admin/programs/task/{task.pk}/change/")
    assert page.status_code == 200 and page.context["has_change_permission"]
    assert list(page.context["adminform"].form.fields) == ["lead"]
    assert all(not inline.has_change_permission for inline in page.context["inline_admin_formsets"])


def test_nobody_changes_or_deletes_the_audit_log_in_the_admin(w):
    entry = LogEntry.objects.order_by("pk").first()
    count = LogEntry.objects.count()
    for user in (w.admin, w.monitor):
        client = as_user(user)
        page = client.get("/admin/auditlog/logentry/")
        assert page.status_code == 200
        assert page.context["cl"].result_count == count
        assert page.context["action_form"] is None  # no actions: no "delete selected"
        view = client.get(f"/admin/auditlog/logentry/{entry.pk}/change/")
        assert view.status_code == 200 and not view.context["has_change_permission"]
        assert client.post(f"/admin/auditlog/logentry/{entry.pk}/change/", {}).status_code == 403
        assert (
            client.post(f"/admin/auditlog/logentry/{entry.pk}/delete/", {"post": "yes"}).status_code
            == 403
        )
        assert client.get("/admin/auditlog/logentry/add/").status_code == 403
    assert LogEntry.objects.count() == count and LogEntry.objects.filter(pk=entry.pk).exists()
