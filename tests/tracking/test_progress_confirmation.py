"""Confirming an "in progress" report confirms the progress, not the work: the period stays
open and the body reports again on it; only a confirmed "done" report closes it."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from theodoi.programs.models import Occurrence
from theodoi.tracking.models import ReportRevision, ReportStatus, Role
from theodoi.tracking.policy import Action, allows
from theodoi.tracking.reports import review_report, save_report, submit_report
from theodoi.tracking.status import occurrence_status

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(one_task, member):
    return dict(
        occurrence=one_task.occurrence,
        staff=member("a-cb", one_task.a, Role.STAFF),
        monitor=member("vp", one_task.office, Role.MONITOR),
    )


def confirmed(w, state, **values):
    report = save_report(
        user=w["staff"], occurrence=w["occurrence"],
        expected_version=values.pop("version", None), state=state, **values,
    )  # fmt: skip
    report = submit_report(user=w["staff"], report=report, expected_version=report.version)
    return review_report(
        user=w["monitor"], report=report, expected_version=report.version, accept=True
    )


def test_an_in_progress_confirmation_leaves_the_period_open_and_the_body_reports_again(w):
    report = confirmed(w, "in_progress", percent=40, narrative="Đã có dự thảo.")
    occurrence = Occurrence.objects.get(pk=w["occurrence"].pk)
    assert occurrence.status == Occurrence.Status.OPEN
    assert allows(w["staff"], Action.EDIT_REPORT, report)
    assert not allows(w["staff"], Action.SUBMIT_REPORT, report)  # update it first
    again = save_report(
        user=w["staff"], occurrence=occurrence, expected_version=report.version,
        state="in_progress", percent=70, narrative="Đã lấy ý kiến các cơ quan.",
    )  # fmt: skip
    assert again.pk == report.pk and again.status == ReportStatus.DRAFT
    assert again.review_comment == ""
    # the confirmed round stays in the history
    actions = list(ReportRevision.objects.filter(report=again).values_list("action", flat=True))
    assert actions == ["create", "submit", "confirm", "report_again"]
    # and then done, confirmed: the period closes and nobody changes it
    last = confirmed(
        w, "done", version=again.version, done_on=date(2021, 6, 1), narrative="Đã ban hành."
    )
    occurrence.refresh_from_db()
    assert occurrence.status == Occurrence.Status.DONE
    assert not allows(w["staff"], Action.EDIT_REPORT, last)
    with pytest.raises(PermissionDenied):
        save_report(user=w["staff"], occurrence=occurrence, expected_version=last.version,
                    state="done", done_on=date(2021, 6, 1), narrative="Sửa lại.")  # fmt: skip
    assert occurrence_status(occurrence, as_of=timezone.localdate()).done_on == date(2021, 6, 1)


def test_the_work_list_offers_to_report_again_after_a_progress_confirmation(w):
    confirmed(w, "in_progress", percent=40, narrative="Đã có dự thảo.")
    client = Client()
    client.force_login(w["staff"])
    page = client.get(f"/work/?show=open&occurrence={w['occurrence'].pk}").content.decode()
    assert "Cập nhật để báo cáo lại" in page
    assert 'name="action" value="send"' in page
