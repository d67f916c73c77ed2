"""The audit trail: every change to tasks, assignments, reports, extensions, memberships and
organisations is recorded with who, when, the value before and after (django-auditlog's
LogEntry). The record is append-only for everyone: the database itself refuses to change or
delete an entry (triggers installed by this app's migration, on SQLite and PostgreSQL)."""

from __future__ import annotations

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.db.models import Model, QuerySet


def register_models() -> None:
    """The models whose every change is recorded."""
    from theodoi.orgs.models import Alias, Organization, OrgGroup, Reorganization
    from theodoi.programs.models import Assignment, Program, Task

    from .models import EvidenceFile, Extension, Membership, ProgressReport

    for model in (Program, Task, Assignment, ProgressReport, Extension, EvidenceFile, Membership,
                  Organization, Alias, Reorganization):  # fmt: skip
        if not auditlog.contains(model):
            auditlog.register(model)
    if not auditlog.contains(OrgGroup):
        auditlog.register(OrgGroup, m2m_fields={"members", "member_groups"})


def history(obj: Model) -> QuerySet[LogEntry]:
    """An object's recorded changes, oldest first."""
    return LogEntry.objects.get_for_object(obj).order_by("timestamp", "pk")
