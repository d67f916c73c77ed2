"""The audit trail: every change to tasks, assignments, reports, extensions, memberships and
organisations is recorded with who, when, the value before and after (django-auditlog's
LogEntry), through what (a web session, which API token, a command) and from where (the
client's address): ``theodoi.acting`` puts both on every entry. The record is append-only for
everyone: the database itself refuses to change or delete an entry (triggers installed by this
app's migration, on SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import BooleanField, Field, ForeignObjectRel, Model, QuerySet
from django.utils.text import capfirst

from theodoi import acting  # its receiver stamps every entry with the channel and address

ACTIONS = {
    LogEntry.Action.CREATE: "Tạo mới",
    LogEntry.Action.UPDATE: "Sửa",
    LogEntry.Action.DELETE: "Xóa",
    LogEntry.Action.ACCESS: "Xem",
}


def register_models() -> None:
    """The models whose every change is recorded."""
    from theodoi.orgs.models import Alias, Organization, OrgGroup, Reorganization
    from theodoi.programs.models import Assignment, Program, ProgramVersion, Task

    from .models import EvidenceFile, Extension, Membership, ProgressReport

    for model in (Program, ProgramVersion, Task, Assignment, ProgressReport, Extension, EvidenceFile, Membership,
                  Organization, Alias, Reorganization):  # fmt: skip
        if not auditlog.contains(model):
            auditlog.register(model)
    if not auditlog.contains(OrgGroup):
        auditlog.register(OrgGroup, m2m_fields={"members", "member_groups"})


def history(obj: Model) -> QuerySet[LogEntry]:
    """An object's recorded changes, oldest first."""
    return LogEntry.objects.get_for_object(obj).order_by("timestamp", "pk")


@dataclass(frozen=True)
class Change:
    """One field of one entry, for a person: its label, the value before and after."""

    field: str
    before: str
    after: str


@dataclass(frozen=True)
class Entry:
    """One recorded change, for a person (Vietnamese labels, related rows by name)."""

    at: dt.datetime
    actor: str
    action: str
    changes: list[Change]
    via: str = ""  # through what, for a person ("khóa API td_ab12cd34")
    address: str = ""  # the client's address


def channel(entry: LogEntry) -> tuple[str, str]:
    """Through what and from where ``entry`` was made, for a person; empty where not recorded
    (entries from before the channel was)."""
    data = entry.additional_data if isinstance(entry.additional_data, dict) else {}
    return acting.label(data.get("via")), entry.remote_addr or ""


def describe(entry: LogEntry) -> Entry:
    """What ``entry`` says, readable: auditlog stores values as text (a related row as its
    key, a choice as its code); these show the label and the related row's name."""
    model = entry.content_type.model_class()
    changes = []
    for name, change in entry.changes_dict.items():
        field = _field(model, name)
        if isinstance(field, ForeignObjectRel):
            continue  # a reverse relation auditlog notes on creation: it says nothing
        label = str(capfirst(field.verbose_name)) if field is not None else name
        if isinstance(change, dict):  # a many-to-many field: the rows added or removed
            verb = "thêm" if change.get("operation") == "add" else "bớt"
            changes.append(Change(label, "", f"{verb}: {', '.join(change.get('objects', []))}"))
        else:
            before, after = [*change, "", ""][:2]
            changes.append(Change(label, _shown(field, before), _shown(field, after)))
    via, address = channel(entry)
    return Entry(
        at=entry.timestamp,
        actor=str(entry.actor) if entry.actor is not None else "hệ thống",
        action=ACTIONS.get(entry.action, str(entry.action)),
        changes=changes,
        via=via,
        address=address,
    )


def _field(model: type[Model] | None, name: str) -> Field | ForeignObjectRel | None:
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _shown(field: Field | None, value: object) -> str:
    text = "" if value is None else str(value)
    if text in ("", "None"):
        return "—"
    if field is None:
        return text
    if field.choices:
        return str({str(key): label for key, label in field.flatchoices}.get(text, text))
    if field.many_to_one or field.one_to_one:
        try:
            related = field.related_model._base_manager.filter(pk=text).first()
        except (ValueError, ValidationError):
            related = None
        return str(related) if related is not None else text
    if isinstance(field, BooleanField):
        return {"True": "có", "False": "không"}.get(text, text)
    return text
