"""Extensions of due dates: a body asks with a reason, the office decides; the original due
date stays on the occurrence and the approved one applies from its decision."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied

from theodoi.programs.models import Occurrence
from theodoi.tracking.extensions import (
    ExtensionError,
    decide_extension,
    effective_due,
    request_extension,
)
from theodoi.tracking.models import Extension, Role
from theodoi.tracking.policy import Action, allows
from theodoi.tracking.reports import review_report, save_report, submit_report
from theodoi.tracking.status import occurrence_status

pytestmark = pytest.mark.django_db
HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
D = dt.date


def at(year: int, month: int, day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=HCM)


@pytest.fixture
def w(one_task, member) -> SimpleNamespace:
    a, b, office = one_task.a, one_task.b, one_task.office
    return SimpleNamespace(
        **vars(one_task),
        staff=member("staff", a, Role.STAFF),
        head=member("head", a, Role.HEAD),
        monitor=member("monitor", office, Role.MONITOR),
        own_monitor=member("own_monitor", a, Role.MONITOR),
        b_staff=member("b_staff", b, Role.STAFF),
        leader=member("leader", office, Role.LEADER),
    )


def report_done(w, done_on: dt.date, submitted: dt.datetime, confirmed: dt.datetime) -> None:
    report = save_report(
        user=w.staff, occurrence=w.occurrence, expected_version=None, state="done",
        done_on=done_on, narrative="Đã ban hành kế hoạch.", now=submitted,
    )  # fmt: skip
    report = submit_report(user=w.staff, report=report, expected_version=report.version,
                           now=submitted)  # fmt: skip
    review_report(user=w.monitor, report=report, expected_version=report.version, accept=True,
                  now=confirmed)  # fmt: skip


def status(w, day: dt.date):
    return occurrence_status(Occurrence.objects.get(pk=w.occurrence.pk), as_of=day)


def test_request_and_approve_then_done_on_time(w):
    ext = request_extension(
        user=w.staff, occurrence=w.occurrence, new_due=D(2021, 9, 30),
        reason="  Chờ hướng dẫn của Trung ương  ", now=at(2021, 6, 20),
    )  # fmt: skip
    assert ext.status == Extension.Status.PENDING
    assert (ext.requested_by, ext.reason) == (w.staff, "Chờ hướng dẫn của Trung ương")

    ext = decide_extension(user=w.monitor, extension=ext, approve=True, now=at(2021, 7, 2))
    assert ext.status == Extension.Status.APPROVED
    assert (ext.decided_by, ext.decided_at) == (w.monitor, at(2021, 7, 2))
    # The original due date stays on the occurrence.
    assert Occurrence.objects.get(pk=w.occurrence.pk).due_date == D(2021, 6, 30)
    assert effective_due(w.occurrence) == D(2021, 9, 30)
    assert effective_due(w.occurrence, at=at(2021, 7, 1)) == D(2021, 6, 30)

    report_done(w, D(2021, 9, 20), submitted=at(2021, 9, 21), confirmed=at(2021, 9, 25))

    # A pending request changes nothing; before the decision the work was overdue.
    before = status(w, D(2021, 6, 25))
    assert (before.bucket, before.due, before.extended) == ("open_in_time", D(2021, 6, 30), False)
    assert status(w, D(2021, 7, 1)).bucket == "open_overdue"
    extended = status(w, D(2021, 7, 2))
    assert (extended.bucket, extended.due, extended.original_due) == (
        "open_in_time", D(2021, 9, 30), D(2021, 6, 30),
    )  # fmt: skip
    assert extended.extended
    done = status(w, D(2021, 12, 31))
    assert (done.bucket, done.done_on) == ("done_on_time", D(2021, 9, 20))


def test_extended_then_late(w):
    ext = request_extension(user=w.head, occurrence=w.occurrence, new_due=D(2021, 9, 30),
                            reason="Thiếu biên chế", now=at(2021, 6, 20))  # fmt: skip
    decide_extension(user=w.monitor, extension=ext, approve=True, now=at(2021, 6, 25))
    report_done(w, D(2021, 10, 5), submitted=at(2021, 10, 6), confirmed=at(2021, 10, 8))
    assert status(w, D(2021, 9, 30)).bucket == "open_in_time"
    assert status(w, D(2021, 10, 1)).bucket == "open_overdue"
    late = status(w, D(2021, 10, 31))
    assert (late.bucket, late.due) == ("done_late", D(2021, 9, 30))


def test_reject_needs_a_comment_and_changes_nothing(w):
    ext = request_extension(user=w.staff, occurrence=w.occurrence, new_due=D(2021, 9, 30),
                            reason="Chờ ý kiến", now=at(2021, 6, 20))  # fmt: skip
    with pytest.raises(ExtensionError, match="ghi ý kiến"):
        decide_extension(user=w.monitor, extension=ext, approve=False, now=at(2021, 6, 22))
    ext = decide_extension(user=w.monitor, extension=ext, approve=False,
                           comment="Đã đủ điều kiện thực hiện", now=at(2021, 6, 22))  # fmt: skip
    assert ext.status == Extension.Status.REJECTED
    assert ext.comment == "Đã đủ điều kiện thực hiện"
    assert status(w, D(2021, 7, 15)).bucket == "open_overdue"
    assert effective_due(w.occurrence) == D(2021, 6, 30)
    # After a rejection the body may ask again.
    again = request_extension(user=w.staff, occurrence=w.occurrence, new_due=D(2021, 8, 31),
                              reason="Có lý do mới", now=at(2021, 6, 23))  # fmt: skip
    assert again.status == Extension.Status.PENDING


def test_only_a_pending_request_is_decided_and_one_at_a_time(w):
    ext = request_extension(user=w.staff, occurrence=w.occurrence, new_due=D(2021, 9, 30),
                            reason="Chờ ý kiến", now=at(2021, 6, 20))  # fmt: skip
    with pytest.raises(ExtensionError, match="đang chờ quyết định"):
        request_extension(user=w.head, occurrence=w.occurrence, new_due=D(2021, 10, 31),
                          reason="Thêm", now=at(2021, 6, 21))  # fmt: skip
    decide_extension(user=w.monitor, extension=ext, approve=True, now=at(2021, 6, 25))
    for approve in (True, False):
        with pytest.raises(PermissionDenied, match="đã được quyết định"):
            decide_extension(user=w.monitor, extension=ext, approve=approve, comment="x")
    ext.refresh_from_db()
    assert (ext.status, ext.decided_at) == (Extension.Status.APPROVED, at(2021, 6, 25))
    assert Extension.objects.count() == 1


def test_the_new_date_must_be_later_and_a_reason_given(w):
    def ask(new_due, reason="Lý do", now=None):
        return request_extension(user=w.staff, occurrence=w.occurrence, new_due=new_due,
                                 reason=reason, now=now or at(2021, 6, 20))  # fmt: skip

    with pytest.raises(ExtensionError, match="lý do"):
        ask(D(2021, 9, 30), reason="   ")
    with pytest.raises(ExtensionError, match="phải sau hạn hiện hành"):
        ask(D(2021, 6, 30))
    with pytest.raises(ExtensionError, match="phải sau hạn hiện hành"):
        ask(D(2021, 5, 31))
    with pytest.raises(ExtensionError, match="một ngày"):
        ask(at(2021, 9, 30))
    decide_extension(user=w.monitor, extension=ask(D(2021, 9, 30)), approve=True,
                     now=at(2021, 6, 25))  # fmt: skip
    # Against the approved date now, not the original one.
    with pytest.raises(ExtensionError, match=r"30/09/2021"):
        ask(D(2021, 8, 31), now=at(2021, 7, 1))
    assert ask(D(2021, 12, 31), now=at(2021, 7, 1)).status == Extension.Status.PENDING
    assert Extension.objects.count() == 2


def test_another_body_may_neither_ask_nor_decide(w):
    with pytest.raises(PermissionDenied, match="cơ quan mình"):
        request_extension(user=w.b_staff, occurrence=w.occurrence, new_due=D(2021, 9, 30),
                          reason="Không phải việc của mình")  # fmt: skip
    ext = request_extension(user=w.staff, occurrence=w.occurrence, new_due=D(2021, 9, 30),
                            reason="Chờ ý kiến", now=at(2021, 6, 20))  # fmt: skip
    for user in (w.b_staff, w.staff, w.head):
        with pytest.raises(PermissionDenied):
            decide_extension(user=user, extension=ext, approve=True)
    # A leader decides only a monitoring office's own requests; A holds the monitor role here
    # (``own_monitor``), so A's request is one the leader may decide (policy, F).
    assert allows(w.leader, Action.DECIDE_EXTENSION, ext)
    # Nor may the office ask on a body's behalf.
    with pytest.raises(PermissionDenied):
        request_extension(user=w.monitor, occurrence=w.occurrence, new_due=D(2021, 12, 31),
                          reason="Thay cơ quan")  # fmt: skip
    ext.refresh_from_db()
    assert ext.status == Extension.Status.PENDING


def test_a_monitor_of_the_body_itself_may_not_decide(w):
    ext = request_extension(user=w.staff, occurrence=w.occurrence, new_due=D(2021, 9, 30),
                            reason="Chờ ý kiến", now=at(2021, 6, 20))  # fmt: skip
    with pytest.raises(PermissionDenied, match="chính cơ quan mình"):
        decide_extension(user=w.own_monitor, extension=ext, approve=True)
    ext.refresh_from_db()
    assert ext.status == Extension.Status.PENDING


def test_no_request_on_a_closed_occurrence(w):
    Occurrence.objects.filter(pk=w.occurrence.pk).update(status=Occurrence.Status.WITHDRAWN)
    with pytest.raises(PermissionDenied, match="không còn thực hiện"):
        request_extension(user=w.staff, occurrence=w.occurrence, new_due=D(2021, 9, 30),
                          reason="Chờ ý kiến")  # fmt: skip
