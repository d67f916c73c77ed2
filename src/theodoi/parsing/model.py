"""The parser's output: a ProgramDraft, plain data that serialises to the JSON contract.

The contract lives in shared/design.md ("Contract: theodoi parse"). Fields beyond the
contract (``id``, ``written``, ``scope``, ``product``, ``preamble``...) are additions that
keep every contract field as specified.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

SCHEMA = "theodoi.program/1"

TimeKind = Literal["deadline", "recurring", "continuous", "ongoing", "compound", "unknown"]
Every = Literal["year", "half-year", "quarter", "month"]
Role = Literal["directs", "issues", "advises", "implements", "leads", "coordinates"]
ROLES: tuple[str, ...] = ("directs", "issues", "advises", "implements", "leads", "coordinates")


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _day(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


@dataclass
class TimeSpec:
    """When a task is due: a deadline, a recurrence, a continuing duty, or several of these."""

    text: str
    kind: TimeKind = "unknown"
    due: dt.date | None = None
    start: dt.date | None = None
    every: Every | None = None
    parts: list[TimeSpec] = field(default_factory=list)
    scope: str | None = None  # "đối với Chương trình ... hàng năm": what this part applies to

    def copy(self) -> TimeSpec:
        """A copy that shares nothing mutable with this one."""
        parts = [part.copy() for part in self.parts]
        return TimeSpec(self.text, self.kind, self.due, self.start, self.every, parts, self.scope)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TimeSpec:
        return cls(
            data.get("text") or "",
            data.get("kind") or "unknown",
            _day(data.get("due")),
            _day(data.get("start")),
            data.get("every"),
            [cls.from_dict(part) for part in data.get("parts") or []],
            data.get("scope"),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "kind": self.kind,
            "due": _iso(self.due),
            "start": _iso(self.start),
            "every": self.every,
            "parts": [part.to_dict() for part in self.parts],
            "scope": self.scope,
        }


@dataclass
class Assignment:
    """One body (or group of bodies) and the roles the document gives it on a task."""

    org: str  # canonical name, or the name as written when the registry does not know it
    roles: list[str]
    group: bool = False
    id: str | None = None  # registry key; None for a name the registry does not know
    written: str = ""  # the name as the document writes it
    inferred: bool = False  # not named on the task; taken from the program's general provisions

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Assignment:
        return cls(
            org=data["org"],
            roles=list(data.get("roles") or []),
            group=bool(data.get("group")),
            id=data.get("id"),
            written=data.get("written") or "",
            inferred=bool(data.get("inferred")),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "org": self.org,
            "roles": [role for role in ROLES if role in self.roles],
            "group": self.group,
            "id": self.id,
            "written": self.written,
            "inferred": self.inferred,
        }


@dataclass
class Milestone:
    text: str
    due: dt.date | None
    scope: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Milestone:
        return cls(data.get("text") or "", _day(data.get("due")), data.get("scope"))

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "due": _iso(self.due), "scope": self.scope}


@dataclass
class Reference:
    """Another document the program cites: "Quy định số 101-QĐ/TW ngày 07/6/2012"."""

    text: str
    type: str
    number: str | None
    date: dt.date | None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Reference:
        return cls(data["text"], data["type"], data.get("number"), _day(data.get("date")))

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "type": self.type,
            "number": self.number,
            "date": _iso(self.date),
        }


@dataclass
class Warning:
    line: int | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "message": self.message}


@dataclass
class Section:
    number: str
    title: str
    parent: str | None
    line: int | None = None
    text: list[str] = field(default_factory=list)  # paragraphs that are not tasks

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Section:
        return cls(
            data["number"], data.get("title") or "", data.get("parent"), data.get("line"),
            list(data.get("text") or []),
        )  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "title": self.title,
            "parent": self.parent,
            "line": self.line,
            "text": list(self.text),
        }


@dataclass
class Review:
    """Something the parser is unsure of on a task, for the office to check: the field
    ("lead", "assignments", "time", "text") and why, in Vietnamese."""

    field: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "reason": self.reason}


@dataclass
class TaskDraft:
    id: str
    section: str
    text: str
    assignments: list[Assignment]
    time: TimeSpec
    milestones: list[Milestone] = field(default_factory=list)
    line: int | None = None
    product: str | None = None  # "Sản phẩm" column of a task table
    review: list[Review] = field(default_factory=list)

    def flag(self, field_name: str, reason: str) -> None:
        """Mark a field for the office to check (once per field and reason)."""
        if not any(r.field == field_name and r.reason == reason for r in self.review):
            self.review.append(Review(field_name, reason))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TaskDraft:
        return cls(
            id=data["id"],
            section=data.get("section") or "",
            text=data.get("text") or "",
            assignments=[Assignment.from_dict(a) for a in data.get("assignments") or []],
            time=TimeSpec.from_dict(data.get("time") or {}),
            milestones=[Milestone.from_dict(m) for m in data.get("milestones") or []],
            line=data.get("line"),
            product=data.get("product"),
            review=[Review(r["field"], r["reason"]) for r in data.get("review") or []],
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "section": self.section,
            "text": self.text,
            "assignments": [a.to_dict() for a in self.assignments],
            "time": self.time.to_dict(),
            "milestones": [m.to_dict() for m in self.milestones],
            "line": self.line,
            "product": self.product,
            "review": [r.to_dict() for r in self.review],
        }


@dataclass
class Signer:
    title: str | None = None
    name: str | None = None
    on_behalf: str | None = None  # "T/M TỈNH ỦY", "KT. CHỦ TỊCH"

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "name": self.name, "on_behalf": self.on_behalf}


@dataclass
class ProgramDraft:
    title: str = ""
    number: str | None = None
    date: dt.date | None = None
    issuer: str | None = None
    kind: str | None = None  # "Chương trình hành động", "Kế hoạch", ...
    resolution: str | None = None
    term: tuple[int, int] | None = None
    preamble: list[str] = field(default_factory=list)
    signer: Signer = field(default_factory=Signer)
    recipients: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    tasks: list[TaskDraft] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    warnings: list[Warning] = field(default_factory=list)

    def warn(self, line: int | None, message: str) -> None:
        self.warnings.append(Warning(line, message))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ProgramDraft:
        """The draft ``to_dict`` gave (a stored or corrected draft), read back."""
        term = data.get("term")
        signer = data.get("signer") or {}
        return cls(
            title=data.get("title") or "",
            number=data.get("number"),
            date=_day(data.get("date")),
            issuer=data.get("issuer"),
            kind=data.get("kind"),
            resolution=data.get("resolution"),
            term=(int(term["start"]), int(term["end"])) if term else None,
            preamble=list(data.get("preamble") or []),
            signer=Signer(signer.get("title"), signer.get("name"), signer.get("on_behalf")),
            recipients=list(data.get("recipients") or []),
            sections=[Section.from_dict(s) for s in data.get("sections") or []],
            tasks=[TaskDraft.from_dict(t) for t in data.get("tasks") or []],
            references=[Reference.from_dict(r) for r in data.get("references") or []],
            warnings=[Warning(w.get("line"), w["message"]) for w in data.get("warnings") or []],
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "title": self.title,
            "number": self.number,
            "date": _iso(self.date),
            "issuer": self.issuer,
            "kind": self.kind,
            "resolution": self.resolution,
            "term": {"start": self.term[0], "end": self.term[1]} if self.term else None,
            "preamble": list(self.preamble),
            "signer": self.signer.to_dict(),
            "recipients": list(self.recipients),
            "sections": [s.to_dict() for s in self.sections],
            "tasks": [t.to_dict() for t in self.tasks],
            "references": [r.to_dict() for r in self.references],
            "warnings": [w.to_dict() for w in self.warnings],
        }
