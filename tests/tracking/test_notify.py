"""People are told what happened to their work: each event notifies the body's staff and head
once (however often the sender runs), links to the item, and joins the e-mail digest, which
greets each person by name."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from theodoi.programs.amendments import add_task, amend_task
from theodoi.tracking import notify
from theodoi.tracking.extensions import decide_extension, request_extension
from theodoi.tracking.leads import designate_lead
from theodoi.tracking.models import Notification, Role
from theodoi.tracking.reminders import send_digests
from theodoi.tracking.reports import review_report, save_report, submit_report

pytestmark = pytest.mark.django_db
Kind = Notification.Kind


def at(year: int, month: int, day: int, hour: int = 9) -> dt.datetime:
    from django.utils import timezone

    return dt.datetime(year, month, day, hour, tzinfo=timezone.get_default_timezone())


@pytest.fixture
def people(one_task, member):
    return {
        "staff": member("staff", one_task.a, Role.STAFF, first_name="Nguyễn Thị Lan",
                        email="lan@example.vn"),
        "head": member("head", one_task.a, Role.HEAD, first_name="Trần Văn Hùng",
                       email="hung@example.vn"),
        "other": member("other", one_task.b, Role.STAFF, email="b@example.vn"),
        "monitor": member("monitor", one_task.office, Role.MONITOR, email="vp@example.vn"),
    }  # fmt: skip


def told(kind: str) -> list[tuple[str, str]]:
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__username", "link"))


def _submitted(one_task, people):
    report = save_report(
        user=people["staff"], occurrence=one_task.occurrence, expected_version=None,
        state="in_progress", percent=50, narrative="Đang xây dựng dự thảo kế hoạch.",
        now=at(2021, 6, 20),
    )  # fmt: skip
    return submit_report(
        user=people["head"], report=report, expected_version=report.version, now=at(2021, 6, 21)
    )


def test_a_returned_report_tells_the_body_the_comment_once(one_task, people):
    report = _submitted(one_task, people)
    report = review_report(
        user=people["monitor"], report=report, expected_version=report.version, accept=False,
        comment="Đề nghị bổ sung văn bản minh chứng.", now=at(2021, 6, 22),
    )  # fmt: skip
    link = f"/tasks/{one_task.task.pk}/#report-{report.pk}"
    assert told(Kind.REPORT_RETURNED) == [("head", link), ("staff", link)]
    row = Notification.objects.filter(kind=Kind.REPORT_RETURNED).first()
    assert "Đề nghị bổ sung văn bản minh chứng." in row.text
    assert row.day == dt.date(2021, 6, 22)  # the event's day, not the run's
    # The sender runs again (a retried job): nobody is told twice.
    assert notify.report_reviewed(report) == 0
    assert Notification.objects.filter(kind=Kind.REPORT_RETURNED).count() == 2


def test_a_confirmed_report_tells_the_body(one_task, people):
    report = _submitted(one_task, people)
    review_report(
        user=people["monitor"], report=report, expected_version=report.version, accept=True,
        now=at(2021, 6, 22),
    )  # fmt: skip
    assert [who for who, _ in told(Kind.REPORT_CONFIRMED)] == ["head", "staff"]
    assert not told(Kind.REPORT_RETURNED)


@pytest.mark.parametrize("approve", [True, False])
def test_an_extension_decision_tells_the_body(one_task, people, approve):
    asked = request_extension(
        user=people["staff"], occurrence=one_task.occurrence, new_due=dt.date(2021, 9, 30),
        reason="Chờ ý kiến của Ban Thường vụ.", now=at(2021, 6, 10),
    )  # fmt: skip
    decided = decide_extension(
        user=people["monitor"], extension=asked, approve=approve,
        comment="" if approve else "Không có lý do chính đáng.", now=at(2021, 6, 12),
    )  # fmt: skip
    kind = Kind.EXTENSION_APPROVED if approve else Kind.EXTENSION_REFUSED
    assert [who for who, _ in told(kind)] == ["head", "staff"]
    text = Notification.objects.filter(kind=kind).first().text
    assert ("30/09/2021" in text) if approve else ("Không có lý do chính đáng." in text)
    assert notify.extension_decided(decided) == 0
    assert Notification.objects.filter(kind=kind).count() == 2


def test_a_lead_designated_and_a_task_assigned_or_amended_tell_the_bodies(one_task, people):
    # B joins the task, coordinating: it newly owes work.
    amend_task(user=people["monitor"], task=one_task.task, reason="Bổ sung cơ quan phối hợp.",
               add_coordinators=[one_task.b])  # fmt: skip
    assert told(Kind.TASK_ASSIGNED) == [("other", f"/tasks/{one_task.task.pk}/")]
    assert not told(Kind.TASK_AMENDED)  # A's work did not change
    # B is made the lead.
    designate_lead(user=people["monitor"], task=one_task.task, organization=one_task.b,
                   reason="Ban Thường vụ giao Ban Tuyên giáo chủ trì.")  # fmt: skip
    assert [who for who, _ in told(Kind.LEAD_DESIGNATED)] == ["other"]
    # The text changes: both bodies on it hear it.
    version = amend_task(user=people["monitor"], task=one_task.task, reason="Sửa câu chữ.",
                         text="Xây dựng và ban hành kế hoạch")  # fmt: skip
    assert [who for who, _ in told(Kind.TASK_AMENDED)] == ["head", "other", "staff"]
    # The signal sent again for the same version tells nobody twice.
    from theodoi.programs.models import Task
    from theodoi.programs.signals import assignments_changed

    assignments_changed.send(
        sender=Task, version=version,
        changes=[(one_task.task, one_task.a.pk, "amended", "thay đổi nội dung")],
    )  # fmt: skip
    assert Notification.objects.filter(kind=Kind.TASK_AMENDED).count() == 3


def test_a_task_added_tells_its_lead_and_coordinators(one_task, people):
    from theodoi.programs.models import Section

    section = Section.objects.create(program=one_task.program, number="I", title="Mục I")
    task = add_task(
        user=people["monitor"], program=one_task.program, reason="Văn bản bỏ sót.",
        section=section, text="Tổ chức hội nghị", lead=one_task.b, coordinators=[one_task.a],
        time_text="Quý IV/2021", on=dt.date(2021, 6, 1),
    )  # fmt: skip
    assert [who for who, _ in told(Kind.LEAD_DESIGNATED)] == ["other"]
    assert [who for who, _ in told(Kind.TASK_ASSIGNED)] == ["head", "staff"]
    assert all(link == f"/tasks/{task.pk}/" for _, link in told(Kind.TASK_ASSIGNED))


def test_the_digest_mails_the_events_and_greets_by_name(one_task, people, settings):
    settings.THEODOI_SITE_URL = "https://theodoi.example.vn"
    report = _submitted(one_task, people)
    review_report(
        user=people["monitor"], report=report, expected_version=report.version, accept=False,
        comment="Đề nghị bổ sung văn bản minh chứng.", now=at(2021, 6, 22),
    )  # fmt: skip
    mail.outbox.clear()
    send_digests(dt.date(2021, 6, 22))
    to_lan = [m for m in mail.outbox if m.to == ["lan@example.vn"]]
    assert len(to_lan) == 1
    body = to_lan[0].body
    assert body.startswith("Kính gửi Nguyễn Thị Lan,")  # the full name, not "staff"
    assert "BÁO CÁO BỊ TRẢ LẠI" in body
    assert "Đề nghị bổ sung văn bản minh chứng." in body
    assert f"https://theodoi.example.vn/tasks/{one_task.task.pk}/#report-{report.pk}" in body
    # Sent again: nothing new to mail.
    mail.outbox.clear()
    send_digests(dt.date(2021, 6, 22))
    assert not [m for m in mail.outbox if m.to == ["lan@example.vn"]]


def test_an_imported_program_tells_each_body_once_what_it_was_given(example, users):
    """The import (and the draft's confirmation, which imports) tells each body one notice
    for the version, counting its tasks; a second run of the same telling adds nothing."""
    from theodoi.programs.importer import _summary_of, _tell_bodies
    from theodoi.programs.models import Assignment

    version = example.versions.get(number=1)
    summary = _summary_of(example, version, unchanged=False)
    _tell_bodies(example, summary)
    _tell_bodies(example, summary)
    row = Notification.objects.get(recipient=users["staff"], kind=Kind.TASK_ASSIGNED)
    owed = (
        Assignment.objects.filter(task__program=example, organization__code="qn.btctu")
        .exclude(leads=False, advises=False, implements=False, coordinates=False)
        .values("task")
        .distinct()
        .count()
    )
    assert f"{owed} nhiệm vụ mới được giao" in row.text
    assert row.link == f"/programs/{example.pk}/"
    assert (
        Notification.objects.filter(recipient=users["head"], kind=Kind.TASK_ASSIGNED).count() == 1
    )
    assert not Notification.objects.filter(recipient=users["monitor"]).exists()
