"""A report's life from end to end on the example program: written by a body, returned by the
office, amended, confirmed; refused to another body at every step; its status as of dates."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied

from theodoi.programs.models import Occurrence
from theodoi.tracking.models import ReportRevision, Role
from theodoi.tracking.reports import (
    ReportError,
    StaleReport,
    review_report,
    save_report,
    submit_report,
)
from theodoi.tracking.status import occurrence_status

pytestmark = pytest.mark.django_db
HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
D = dt.date


def at(year: int, month: int, day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=HCM)


@pytest.fixture
def world(example, member):
    occurrence = Occurrence.objects.get(
        assignment__task__key="B.III.1.3/2", assignment__organization__code="qn.btctu"
    )  # "Xây dựng Kế hoạch tiếp tục đẩy mạnh thực hiện tinh giản biên chế", quý I/2021
    return {
        "occurrence": occurrence,
        "staff": member("to-chuc", "qn.btctu", Role.STAFF),
        "monitor": member("van-phong", "qn.vptu", Role.MONITOR),
        "outsider": member("tuyen-giao", "qn.btgtu", Role.STAFF),
    }


def test_report_returned_resubmitted_confirmed_and_its_status_over_time(world):
    occurrence, staff, monitor, outsider = (
        world["occurrence"], world["staff"], world["monitor"], world["outsider"]
    )  # fmt: skip
    assert occurrence.due_date == D(2021, 3, 31)

    # Another body may not write this body's report.
    with pytest.raises(PermissionDenied):
        save_report(user=outsider, occurrence=occurrence, expected_version=None, state="done")

    report = save_report(
        user=staff,
        occurrence=occurrence,
        expected_version=None,
        state="done",
        done_on=D(2021, 3, 20),
        narrative="Ban Thường vụ đã ban hành Kế hoạch số 12-KH/TU ngày 20/3/2021 về tinh giản biên chế.",
        now=at(2021, 3, 22),
    )
    # The document cited in the narrative becomes the evidence.
    assert (report.document_type, report.document_number, report.document_date) == (
        "Kế hoạch", "12-KH/TU", D(2021, 3, 20)
    )  # fmt: skip
    report = submit_report(
        user=staff, report=report, expected_version=report.version, now=at(2021, 3, 23)
    )
    with pytest.raises(PermissionDenied):
        review_report(user=outsider, report=report, expected_version=report.version, accept=True)
    with pytest.raises(ReportError):
        review_report(user=monitor, report=report, expected_version=report.version, accept=False)
    report = review_report(
        user=monitor, report=report, expected_version=report.version, accept=False,
        comment="Đề nghị gửi kèm văn bản.", now=at(2021, 3, 25),
    )  # fmt: skip
    assert report.status == "returned"
    with pytest.raises(PermissionDenied):
        save_report(
            user=outsider, occurrence=occurrence, expected_version=report.version, state="done"
        )
    report = save_report(
        user=staff, occurrence=occurrence, expected_version=report.version, state="done",
        done_on=D(2021, 3, 20), narrative="Đã gửi kèm Kế hoạch số 12-KH/TU.", now=at(2021, 4, 2),
    )  # fmt: skip
    report = submit_report(
        user=staff, report=report, expected_version=report.version, now=at(2021, 4, 2, 10)
    )
    with pytest.raises(PermissionDenied):
        submit_report(user=outsider, report=report, expected_version=report.version)
    report = review_report(
        user=monitor,
        report=report,
        expected_version=report.version,
        accept=True,
        now=at(2021, 4, 5),
    )
    assert report.status == "confirmed"
    # Every version is kept.
    actions = list(ReportRevision.objects.filter(report=report).values_list("action", flat=True))
    assert actions == ["create", "submit", "return", "edit", "submit", "confirm"]

    occurrence.refresh_from_db()
    as_of = {
        day: occurrence_status(occurrence, as_of=day)
        for day in (D(2021, 3, 24), D(2021, 3, 31), D(2021, 4, 30))
    }
    # Reported done, awaiting confirmation: still open, in time.
    assert (as_of[D(2021, 3, 24)].workflow, as_of[D(2021, 3, 24)].bucket) == (
        "awaiting_confirmation",
        "open_in_time",
    )
    # Returned on 25/3, not confirmed by the due date.
    assert (as_of[D(2021, 3, 31)].workflow, as_of[D(2021, 3, 31)].bucket) == (
        "returned",
        "open_in_time",
    )
    # Confirmed on 5/4: done on 20/3, so done on time.
    assert (as_of[D(2021, 4, 30)].workflow, as_of[D(2021, 4, 30)].bucket) == (
        "confirmed",
        "done_on_time",
    )
    # A confirmed report is closed to edits, even for its own body.
    with pytest.raises(PermissionDenied):
        save_report(
            user=staff, occurrence=occurrence, expected_version=report.version, state="in_progress"
        )


def test_two_people_editing_one_report_cannot_overwrite_each_other(world, member):
    occurrence, staff = world["occurrence"], world["staff"]
    colleague = member("to-chuc-2", "qn.btctu", Role.STAFF)
    report = save_report(
        user=staff, occurrence=occurrence, expected_version=None, state="in_progress"
    )
    loaded = report.version
    save_report(user=colleague, occurrence=occurrence, expected_version=loaded, state="in_progress",
                narrative="Đang lấy ý kiến các huyện.")  # fmt: skip
    with pytest.raises(StaleReport) as stale:
        save_report(user=staff, occurrence=occurrence, expected_version=loaded, state="in_progress",
                    narrative="Đã xong dự thảo.")  # fmt: skip
    assert "tải lại" in str(stale.value)
    report.refresh_from_db()
    assert report.narrative == "Đang lấy ý kiến các huyện."


def test_bad_report_values_are_refused_and_nothing_is_written(world):
    occurrence, staff = world["occurrence"], world["staff"]
    for values in (
        {"state": "finished"},
        {"state": "in_progress", "percent": 140},
        {"state": "in_progress", "done_on": D(2021, 3, 1)},
        {"state": "done", "done_on": D(2099, 1, 1)},
    ):
        with pytest.raises(ReportError):
            save_report(user=staff, occurrence=occurrence, expected_version=None, **values)
    assert not ReportRevision.objects.exists()
