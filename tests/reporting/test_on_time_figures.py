"""Both on-time figures: against the original deadline and against the extended one, from the
same tally the dashboard shows; and the no-deadline periods reported and not."""

from __future__ import annotations

import datetime as dt
import re

from theodoi.programs.models import Occurrence
from theodoi.tracking.extensions import decide_extension, request_extension
from theodoi.tracking.models import ReportState
from theodoi.tracking.reports import review_report, save_report, submit_report
from theodoi.tracking.rollup import overview
from theodoi.tracking.status import Tally, statuses

from .conftest import at

DAY = dt.date(2021, 12, 31)


def _done_after_an_extension(users) -> Occurrence:
    """Ban Tổ chức's first deadline, extended by a month, done within the extension."""
    occ = (
        Occurrence.objects.filter(
            assignment__organization__code="qn.btctu",
            source="deadline",
            due_date__gte=dt.date(2021, 3, 1),
        )
        .order_by("due_date", "pk")
        .first()
    )
    staff, monitor = users["staff"], users["monitor"]
    ask = request_extension(
        user=staff, occurrence=occ, new_due=occ.due_date + dt.timedelta(days=30),
        reason="Chờ ý kiến Thường trực.", now=at(*(occ.due_date - dt.timedelta(days=5)).timetuple()[:3]),
    )  # fmt: skip
    decide_extension(
        user=monitor, extension=ask, approve=True,
        now=at(*(occ.due_date - dt.timedelta(days=4)).timetuple()[:3]),
    )  # fmt: skip
    done_on = occ.due_date + dt.timedelta(days=10)
    report = save_report(
        user=staff, occurrence=occ, expected_version=None, state=ReportState.DONE,
        narrative="Đã hoàn thành.", done_on=done_on, now=at(*done_on.timetuple()[:3]),
    )  # fmt: skip
    report = submit_report(user=staff, report=report, expected_version=report.version,
                           now=at(*done_on.timetuple()[:3], hour=10))  # fmt: skip
    review_report(user=monitor, report=report, expected_version=report.version, accept=True,
                  now=at(*done_on.timetuple()[:3], hour=15))  # fmt: skip
    return occ


def _done_in_time(users, extended: Occurrence) -> None:
    """Another of Ban Tổ chức's deadlines, done before it (no extension)."""
    occ = (
        Occurrence.objects.filter(
            assignment__organization__code="qn.btctu",
            source="deadline",
            due_date__gte=dt.date(2021, 3, 1),
        )
        .exclude(pk=extended.pk)
        .order_by("due_date", "pk")
        .first()
    )
    done_on = occ.due_date - dt.timedelta(days=3)
    staff, monitor = users["staff"], users["monitor"]
    report = save_report(
        user=staff, occurrence=occ, expected_version=None, state=ReportState.DONE,
        narrative="Đã hoàn thành.", done_on=done_on, now=at(*done_on.timetuple()[:3]),
    )  # fmt: skip
    report = submit_report(user=staff, report=report, expected_version=report.version,
                           now=at(*done_on.timetuple()[:3], hour=10))  # fmt: skip
    review_report(user=monitor, report=report, expected_version=report.version, accept=True,
                  now=at(*done_on.timetuple()[:3], hour=15))  # fmt: skip


def test_work_done_within_its_extension_is_on_time_only_against_the_extended_date(example, users):
    occ = _done_after_an_extension(users)
    state = statuses(Occurrence.objects.filter(pk=occ.pk), as_of=DAY)[occ.pk]
    assert state.bucket == "done_on_time" and state.extended
    t = Tally()
    t.add(state)
    assert (t.done_on_time, t.done_by_original, t.extended_done) == (1, 0, 1)
    assert (t.on_time_rate, t.original_on_time_rate) == (1.0, 0.0)
    _done_in_time(users, occ)
    whole = overview(example, as_of=DAY).total
    assert (whole.done_on_time, whole.done_by_original) == (2, 1)
    assert (whole.on_time_rate, whole.original_on_time_rate) == (1.0, 0.5)


def test_tallies_add_both_figures():
    a = Tally(done_on_time=2, done_by_original=1, no_deadline=3, no_deadline_reported=2)
    b = Tally(done_late=1, done_by_original=0, no_deadline=1)
    total = a + b
    assert (total.done_by_original, total.no_deadline_reported) == (1, 2)
    assert total.no_deadline_unreported == 2
    assert total.original_on_time_rate == 1 / 3


def test_the_dashboard_shows_both_on_time_figures_and_the_no_deadline_tiles(
    example, users, client_for
):
    _done_in_time(users, _done_after_an_extension(users))
    html = client_for("monitor").get("/dashboard/", {"as_of": "2021-12-31"}).content.decode()
    figures = dict(re.findall(r'data-figure="(\w+)">([^<]*)<', html))
    assert figures["on_time"] == "100%"
    assert figures["on_time_original"] == "50%"
    t = overview(example, as_of=DAY).total
    assert int(figures["no_deadline_reported"]) == t.no_deadline_reported
    assert int(figures["no_deadline_unreported"]) == t.no_deadline - t.no_deadline_reported
    assert "status=no_deadline_unreported" in html


def test_search_lists_the_no_deadline_periods_the_tiles_count(example, users, client_for):
    from theodoi.programs.search import Criteria
    from theodoi.tracking.rollup import program_occurrences
    from theodoi.tracking.search import find_occurrences

    occ = (
        Occurrence.objects.filter(
            assignment__organization__code="qn.btctu", assignment__task__time_kind="continuous"
        )
        .order_by("due_date", "pk")
        .first()
    )
    report = save_report(
        user=users["staff"], occurrence=occ, expected_version=None,
        state=ReportState.IN_PROGRESS, narrative="Đang triển khai.", now=at(2021, 5, 1),
    )  # fmt: skip
    submit_report(user=users["staff"], report=report, expected_version=report.version,
                  now=at(2021, 5, 2))  # fmt: skip
    t = overview(example, as_of=DAY).total
    assert t.no_deadline_reported >= 1
    rows = program_occurrences(example)
    for status, expected in (
        ("no_deadline_reported", t.no_deadline_reported),
        ("no_deadline_unreported", t.no_deadline_unreported),
    ):
        found, _judged = find_occurrences(rows, Criteria(), status=status, as_of=DAY)
        assert len(found) == expected
    page = client_for("monitor").get(
        "/search/", {"program": example.pk, "status": "no_deadline_reported", "as_of": "2021-12-31"}
    )
    assert f'data-count="occurrences">{t.no_deadline_reported}<' in page.content.decode()
