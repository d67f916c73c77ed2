"""What the reporting tests share: the example program with a history up to July 2021,
made through the real services (``theodoi.web.demo.invent_history`` for the bulk, plus a few
reports of Ban Tổ chức Tỉnh ủy chosen so the Q2/2021 report has known cases: evidence
confirmed in the quarter, a confirmation that comes after the quarter, one confirmed before
it, and an extension granted in it)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from theodoi.orgs.models import Organization
from theodoi.programs.models import Occurrence
from theodoi.tracking.extensions import decide_extension, request_extension
from theodoi.tracking.models import Membership, ReportState, Role
from theodoi.tracking.reports import review_report, save_report, submit_report
from theodoi.web.demo import invent_history

HISTORY_UNTIL = dt.date(2021, 7, 10)


def at(year: int, month: int, day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=timezone.get_default_timezone())


def occurrence(key: str, due: dt.date, body: str = "qn.btctu") -> Occurrence:
    return Occurrence.objects.get(
        assignment__task__key=key, assignment__organization__code=body, due_date=due
    )


def done(user, monitor, occ, *, done_on, confirmed, **document) -> None:
    """A body reports ``occ`` done on ``done_on``; the office confirms it on ``confirmed``."""
    report = save_report(
        user=user, occurrence=occ, expected_version=None, state=ReportState.DONE,
        narrative="Đã hoàn thành.", done_on=done_on, now=at(*done_on.timetuple()[:3]),
        **document,
    )  # fmt: skip
    report = submit_report(
        user=user, report=report, expected_version=report.version,
        now=at(*done_on.timetuple()[:3], hour=10),
    )  # fmt: skip
    review_report(
        user=monitor, report=report, expected_version=report.version, accept=True,
        now=at(*confirmed.timetuple()[:3], hour=15),
    )  # fmt: skip


@pytest.fixture
def history(example, users) -> SimpleNamespace:
    return make_history(example, users)


def make_history(example, users) -> SimpleNamespace:
    """The history (see the module's docstring); returns the program and the chosen cases."""
    staff, monitor = users["staff"], users["monitor"]
    evidence = occurrence("B.I.2", dt.date(2021, 4, 30))
    done(
        staff, monitor, evidence, done_on=dt.date(2021, 4, 20), confirmed=dt.date(2021, 4, 23),
        document_type="Kế hoạch", document_number="15-KH/BTCTU",
        document_date=dt.date(2021, 4, 20),
    )  # fmt: skip
    confirmed_after = occurrence("B.III.1.3/9", dt.date(2021, 6, 30))
    done(staff, monitor, confirmed_after, done_on=dt.date(2021, 6, 28),
         confirmed=dt.date(2021, 7, 2))  # fmt: skip
    before = occurrence("B.III.1.3/2", dt.date(2021, 3, 31))
    done(staff, monitor, before, done_on=dt.date(2021, 3, 20), confirmed=dt.date(2021, 3, 25))
    extended = occurrence("B.III.1.2/2", dt.date(2021, 3, 31))
    ask = request_extension(
        user=staff, occurrence=extended, new_due=dt.date(2021, 5, 31),
        reason="Chờ hướng dẫn của Trung ương.", now=at(2021, 3, 25),
    )  # fmt: skip
    decide_extension(user=monitor, extension=ask, approve=True, now=at(2021, 4, 5))
    done(staff, monitor, extended, done_on=dt.date(2021, 5, 20), confirmed=dt.date(2021, 5, 25))

    # invent_history confirms as the demo's office account, and the office's own reports as
    # the Standing Committee's leader (their reviewer).
    for username, code, role in (
        ("vanphong", "qn.vptu", Role.MONITOR),
        ("lanhdao", "qn.btv", Role.LEADER),
    ):
        account = get_user_model().objects.create_user(username)
        Membership.objects.create(
            user=account, organization=Organization.objects.get(code=code), role=role
        )
    invent_history(example, today=HISTORY_UNTIL)
    return SimpleNamespace(
        program=example, evidence=evidence, confirmed_after=confirmed_after, before=before,
        extended=extended,
    )  # fmt: skip
