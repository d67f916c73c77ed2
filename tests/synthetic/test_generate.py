"""`theodoi generate`: synthetic data shaped like the real thing, that every page and rule
reads like imported data, and that is the same for the same seed."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.auth import authenticate
from django.db import transaction
from django.test import RequestFactory

from theodoi.orgs.models import Organization
from theodoi.programs.models import Occurrence, Program, Task
from theodoi.synthetic.generate import GenerateError, generate
from theodoi.tracking.lineage import lower_levels, obligations
from theodoi.tracking.models import ProgressReport, ReportRevision
from theodoi.tracking.rollup import overview

TODAY = dt.date(2026, 11, 27)


@pytest.fixture
def tiny(db, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    summary = generate(
        "tiny", seed=7, password="mat-khau-tong-hop", today=TODAY, say=lambda _: None
    )
    return summary, json.loads(summary.manifest.read_text(encoding="utf-8"))


def test_tiny_scale_has_every_kind_of_thing(tiny):
    summary, manifest = tiny
    provincial = Program.objects.filter(parent_program__isnull=True)
    assert provincial.count() == 2
    assert [p["program"] for p in manifest["provinces"]] == sorted(
        provincial.values_list("pk", flat=True)
    )
    lower = Program.objects.filter(parent_program__isnull=False)
    assert lower.exists()
    # Every lower program's task implements a task of its parent program.
    for task in Task.objects.filter(program__in=lower).select_related("parent_task"):
        assert task.parent_task.program_id == task.program.parent_program_id
    assert summary.counts["occurrence"] == Occurrence.objects.count() > 0
    assert summary.counts["reportrevision"] == ReportRevision.objects.count() > 0
    # A report's current fields are those of its latest revision.
    for report in ProgressReport.objects.all()[:200]:
        latest = report.revisions.order_by("-version").first()
        assert (latest.version, latest.state, latest.status) == (
            report.version,
            report.state,
            report.status,
        )
    assert Organization.objects.filter(code__startswith="th-", level="commune").exists()


def test_the_generated_history_reads_as_statuses(tiny):
    _summary, manifest = tiny
    program = Program.objects.get(pk=manifest["provinces"][0]["program"])
    view = overview(program, as_of=dt.date(2023, 6, 30))
    total = view.total
    assert total.done_on_time > total.done_late > 0
    assert total.open_overdue > 0 and total.no_deadline > 0
    assert 0.5 < total.rate < 1
    assert lower_levels(program, as_of=TODAY).total.total > 0
    rows = [row for task in obligations(program, as_of=TODAY) for row in task.rows]
    assert rows and any(row.first is not None for row in rows)


def test_the_accounts_sign_in_with_the_password(tiny):
    _summary, manifest = tiny
    request = RequestFactory().post("/login/")
    for username in [manifest["monitor"], *manifest["staff"][:3]]:
        assert authenticate(request, username=username, password="mat-khau-tong-hop") is not None


def test_the_same_seed_gives_the_same_data(db, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    prints = []
    for _run in range(2):
        with transaction.atomic():
            generate("tiny", seed=7, password="x", today=TODAY, say=lambda _: None)
            prints.append(_fingerprint())
            transaction.set_rollback(True)
    assert prints[0] == prints[1]
    with transaction.atomic():
        generate("tiny", seed=8, password="x", today=TODAY, say=lambda _: None)
        assert _fingerprint() != prints[0]
        transaction.set_rollback(True)


def test_generating_twice_is_refused_and_changes_nothing(tiny):
    first = _fingerprint()
    with pytest.raises(GenerateError, match="đã có dữ liệu tổng hợp"):
        generate("tiny", seed=7, password="x", today=TODAY, say=lambda _: None)
    assert _fingerprint() == first


def _fingerprint() -> tuple:
    return (
        list(Task.objects.order_by("pk").values_list("key", "parent_task__key")[:300]),
        list(Occurrence.objects.order_by("pk").values_list("due_date", "label")[:300]),
        list(ReportRevision.objects.order_by("pk").values_list("at", "status")[:300]),
        ReportRevision.objects.count(),
    )


def test_an_unknown_scale_is_refused(db):
    with pytest.raises(GenerateError, match="Quy mô không hợp lệ"):
        generate("galaxy", seed=1, password="x", say=lambda _: None)
    assert not Organization.objects.exists()
