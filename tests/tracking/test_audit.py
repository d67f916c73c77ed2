"""The audit trail: who changed what, before and after; and nobody can rewrite it."""

from __future__ import annotations

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.db import DatabaseError, connection, transaction

from theodoi.orgs.models import Organization
from theodoi.programs.models import Occurrence
from theodoi.tracking.audit import history
from theodoi.tracking.models import Role
from theodoi.tracking.reports import save_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(example, member):
    return member("to-chuc", "qn.btctu", Role.STAFF)


def test_a_report_change_records_who_and_the_values_before_and_after(staff):
    occurrence = Occurrence.objects.get(
        assignment__task__key="B.III.1.3/2", assignment__organization__code="qn.btctu"
    )
    report = save_report(user=staff, occurrence=occurrence, expected_version=None,
                         state="in_progress", narrative="Đang xây dựng dự thảo.")  # fmt: skip
    report = save_report(user=staff, occurrence=occurrence, expected_version=report.version,
                         state="in_progress", narrative="Đã trình Ban Thường vụ.")  # fmt: skip
    created, changed = history(report)
    assert created.action == LogEntry.Action.CREATE and created.actor == staff
    assert changed.action == LogEntry.Action.UPDATE and changed.actor == staff
    assert changed.changes_dict["narrative"] == [
        "Đang xây dựng dự thảo.",
        "Đã trình Ban Thường vụ.",
    ]


def test_imports_and_organisation_changes_are_recorded(staff):
    body = Organization.objects.get(code="qn.btctu")
    assert history(body).exists()  # created by the registry load
    created = LogEntry.objects.filter(content_type__model="task", action=LogEntry.Action.CREATE)
    assert created.count() == 106
    with set_actor(staff):
        body.short_name = "BTCTU"
        body.save()
    last = history(body).last()
    assert (last.actor, last.changes_dict["short_name"]) == (staff, ["", "BTCTU"])


def test_nobody_can_change_or_delete_the_record(staff):
    entry = LogEntry.objects.first()
    attempts = [
        lambda: LogEntry.objects.filter(pk=entry.pk).update(changes_text="sửa lại"),
        lambda: LogEntry.objects.filter(pk=entry.pk).delete(),
        lambda: entry.delete(),
    ]
    for attempt in attempts:
        with pytest.raises(DatabaseError), transaction.atomic():
            attempt()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM auditlog_logentry")
    assert LogEntry.objects.filter(pk=entry.pk).exists()
