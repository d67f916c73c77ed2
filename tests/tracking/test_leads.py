"""Designating a task's lead body on the example program: a task that names several bodies
and no lead is flagged at import; the office designates one of the bodies that owe work."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from theodoi.orgs.models import Organization
from theodoi.programs.models import Assignment, Occurrence, Task
from theodoi.tracking.leads import LeadError, designate_lead
from theodoi.tracking.models import ProgressReport, Role
from theodoi.tracking.policy import Action, allows

pytestmark = pytest.mark.django_db
FLAGGED = "B.III.1.1/2"  # the districts, the party delegations and Ban Tuyên giáo; no lead


def org(code: str) -> Organization:
    return Organization.objects.get(code=code)


def flagged() -> Task:
    return Task.objects.get(key=FLAGGED, withdrawn_in__isnull=True)


@pytest.fixture
def world(example, member):
    return {
        "monitor": member("van-phong", "qn.vptu", Role.MONITOR),
        "staff": member("tuyen-giao", "qn.btgtu", Role.STAFF),
        "head": member("truong-ban", "qn.btgtu", Role.HEAD),
        "leader": member("lanh-dao", "qn.vptu", Role.LEADER),
    }


def test_the_office_designates_a_lead_on_a_flagged_task(world):
    task = flagged()
    assert task.lead is None and task.needs_lead
    task = designate_lead(user=world["monitor"], task=task, organization=org("qn.btgtu"))
    assert task.lead == org("qn.btgtu") and not task.needs_lead
    task = flagged()
    assert task.lead.code == "qn.btgtu" and not task.needs_lead
    leading = Assignment.objects.filter(task=task, leads=True)
    assert [a.organization.code for a in leading] == ["qn.btgtu"]
    # The lead now reads a coordinating body's report on the task.
    district = Occurrence.objects.filter(
        assignment__task=task, assignment__organization__code="qn.hu-bato"
    ).first()
    report = ProgressReport.objects.create(occurrence=district, organization=org("qn.hu-bato"))
    assert allows(world["staff"], Action.VIEW_REPORT, report)


def test_designating_another_lead_moves_the_role(world):
    task = designate_lead(user=world["monitor"], task=flagged(), organization=org("qn.btgtu"))
    task = designate_lead(user=world["monitor"], task=task, organization=org("qn.hu-bato"))
    assert task.lead.code == "qn.hu-bato"
    leading = Assignment.objects.filter(task=task, leads=True)
    assert [a.organization.code for a in leading] == ["qn.hu-bato"]
    former = Assignment.objects.get(task=task, organization__code="qn.btgtu")
    assert former.owes_work and (former.advises, former.implements) == (True, True)


def test_a_former_lead_with_no_other_role_stays_as_coordinating(world):
    task = flagged()
    only_lead = Assignment.objects.get(task=task, organization__code="qn.btgtu")
    only_lead.advises = only_lead.implements = False
    only_lead.leads = True
    only_lead.save()
    designate_lead(user=world["monitor"], task=task, organization=org("qn.hu-bato"))
    only_lead.refresh_from_db()
    assert (only_lead.leads, only_lead.coordinates, only_lead.owes_work) == (False, True, True)


@pytest.mark.parametrize("who", ["staff", "head", "leader"])
def test_only_the_office_designates(world, who):
    with pytest.raises(PermissionDenied, match="chỉ định cơ quan chủ trì"):
        designate_lead(user=world[who], task=flagged(), organization=org("qn.btgtu"))
    assert flagged().needs_lead and flagged().lead is None


def test_the_lead_must_owe_work_on_the_task_now(world):
    monitor, task = world["monitor"], flagged()
    # A body with nothing on the task; a body that only directs it.
    for code in ("qn.btctu", "qn.btv"):
        with pytest.raises(LeadError, match="không được giao thực hiện nhiệm vụ này"):
            designate_lead(user=monitor, task=task, organization=org(code))
    # A body whose assignment ended (taken over by another after a reorganisation).
    Assignment.objects.filter(task=task, organization__code="qn.hu-lyson").update(
        active_to=dt.date(2021, 6, 30)
    )
    with pytest.raises(LeadError):
        designate_lead(user=monitor, task=task, organization=org("qn.hu-lyson"))
    task = flagged()
    assert task.needs_lead and task.lead is None
    assert not Assignment.objects.filter(task=task, leads=True).exists()


def test_no_lead_on_a_withdrawn_task(world):
    task = flagged()
    Task.objects.filter(pk=task.pk).update(withdrawn_in=task.added_in)
    with pytest.raises(LeadError, match="bãi bỏ"):
        designate_lead(user=world["monitor"], task=task, organization=org("qn.btgtu"))
