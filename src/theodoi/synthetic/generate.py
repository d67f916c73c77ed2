"""``theodoi generate``: a country's (or a province's) worth of synthetic programs, bodies,
people and five years of follow-up, deterministic for a seed, written in bulk.

Each province gets the example program as its provincial program (its sections, tasks, times
and roles, with the province's own bodies in the example's places; the groups the example
names expand to the province's communes, departments and party boards), then programs of its
communes and departments implementing it (each task linked to a provincial task), issued on
time, late or not at all. Every occurrence gets the history a real one would have had by
``today``: drafts, submissions, confirmations, returns, extensions and overdue reminders, at
realistic rates that vary from body to body. Everything is one transaction: stopped half
way, the database is as it was.

Rows bypass ``save()`` (``synthetic.bulk``), so this module fills ``name_key`` and
``text_key`` itself; statuses are never stored, they follow from the dated history as for
real data (``tracking.status``).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from theodoi.orgs.models import Organization, OrgGroup
from theodoi.parsing import example_path, parse_file
from theodoi.parsing.text import fold
from theodoi.programs.models import (
    Assignment,
    Occurrence,
    Program,
    ProgramVersion,
    Section,
    Task,
)
from theodoi.programs.occurrences import periods_for
from theodoi.programs.search import text_key
from theodoi.tracking.models import (
    Digest,
    Extension,
    Membership,
    Notification,
    ProgressReport,
    ReportRevision,
)
from theodoi.tracking.rollup_cache import forget_all

from .bulk import Table, analyze, as_json, reset_sequences
from .shape import (
    COMMUNE_BODIES,
    DEPARTMENTS,
    LOWER_SECTIONS,
    PROVINCES,
    SCALES,
    Scale,
    commune_names,
)

__all__ = ["MANIFEST", "GenerateError", "Summary", "generate"]

MANIFEST = "generated.json"
PREFIX = "th"  # the code of every generated body starts "th-"; program numbers "TH-"
TERM = (2020, 2025)
_SEARCH_SAMPLES = 12


class GenerateError(Exception):
    """Why generating cannot start; nothing was written."""


@dataclass
class Summary:
    scale: str
    seed: int
    counts: dict[str, int]
    seconds: float
    manifest: Path
    password: str


@dataclass
class _Body:
    pk: int
    code: str
    name: str
    skill: float  # 0..1: how reliably this body reports on time
    staff: int = 0  # user ids (0 when the body has no people)
    head: int = 0


@dataclass
class _Province:
    index: int
    code: str
    name: str
    bodies: dict[str, _Body] = field(default_factory=dict)  # example registry id -> body
    office: _Body | None = None
    monitor: str = ""
    monitor_pk: int = 0
    program: int = 0
    tasks: list[tuple[int, dict]] = field(default_factory=list)  # the provincial program's


class _Writer:
    """Every table this generator fills, in the order foreign keys need."""

    def __init__(self) -> None:
        user = get_user_model()
        self.users = Table(
            user,
            [
                "password",
                "is_superuser",
                "username",
                "first_name",
                "last_name",
                "email",
                "is_staff",
                "is_active",
                "date_joined",
            ],
        )
        self.orgs = Table(
            Organization,
            [
                "code",
                "name",
                "full_name",
                "short_name",
                "kind",
                "level",
                "parent",
                "assumed",
                "unresolved",
                "name_key",
            ],
        )
        self.groups = Table(OrgGroup, ["code", "name", "unnamed"])
        self.members = Table(OrgGroup.members.through, ["orggroup", "organization"])
        self.memberships = Table(Membership, ["user", "organization", "role"])
        self.programs = Table(
            Program,
            [
                "number",
                "number_derived",
                "title",
                "kind",
                "issuer",
                "issuer_name",
                "date",
                "resolution",
                "term_start",
                "term_end",
                "status",
                "reporting_cycle",
                "parent_program",
                "parent_task",
                "signer",
                "preamble",
                "recipients",
                "created_at",
                "updated_at",
            ],
        )
        self.versions = Table(
            ProgramVersion,
            [
                "program",
                "number",
                "source_name",
                "source_sha256",
                "imported_at",
                "summary",
                "warnings",
                "how",
                "reason",
                "changes",
                "corrections",
            ],
        )
        self.sections = Table(Section, ["program", "number", "title", "parent", "position", "text"])
        self.tasks = Table(
            Task,
            [
                "program",
                "section",
                "key",
                "text",
                "text_key",
                "time",
                "time_text",
                "time_kind",
                "needs_time",
                "milestones",
                "lead",
                "needs_lead",
                "product",
                "line",
                "position",
                "added_in",
                "parent_task",
                "parent_link",
                "parent_score",
            ],
        )
        self.assignments = Table(
            Assignment,
            [
                "task",
                "organization",
                "group",
                "via_group",
                "written",
                "directs",
                "issues",
                "advises",
                "implements",
                "leads",
                "coordinates",
                "inferred",
            ],
        )
        self.occurrences = Table(
            Occurrence,
            ["assignment", "period_start", "due_date", "label", "source", "scope", "status"],
        )
        self.reports = Table(
            ProgressReport,
            [
                "occurrence",
                "organization",
                "state",
                "percent",
                "narrative",
                "done_on",
                "document_type",
                "document_number",
                "document_date",
                "document_signer",
                "status",
                "review_comment",
                "version",
                "demo",
                "created_at",
                "updated_at",
            ],
        )
        self.revisions = Table(
            ReportRevision,
            [
                "report",
                "version",
                "at",
                "by",
                "action",
                "via",
                "state",
                "status",
                "done_on",
                "data",
            ],
        )
        self.extensions = Table(
            Extension,
            [
                "occurrence",
                "requested_by",
                "requested_at",
                "reason",
                "new_due",
                "status",
                "decided_by",
                "decided_at",
                "comment",
            ],
        )
        self.digests = Table(
            Digest,
            [
                "recipient",
                "day",
                "address",
                "subject",
                "created_at",
                "attempts",
                "last_error",
                "sent_at",
            ],
        )
        self.notifications = Table(
            Notification,
            [
                "recipient",
                "kind",
                "day",
                "key",
                "occurrence",
                "due",
                "text",
                "link",
                "created_at",
                "read_at",
                "digest",
            ],
        )

    @property
    def tables(self) -> list[Table]:
        return [
            self.users,
            self.orgs,
            self.groups,
            self.members,
            self.memberships,
            self.programs,
            self.versions,
            self.sections,
            self.tasks,
            self.assignments,
            self.occurrences,
            self.reports,
            self.revisions,
            self.extensions,
            self.digests,
            self.notifications,
        ]

    def flush(self) -> None:
        for table in self.tables:
            table.flush()

    def counts(self) -> dict[str, int]:
        return {t.model._meta.model_name: t.written + len(t.rows) for t in self.tables}


def generate(
    scale: str | Scale,
    *,
    seed: int,
    password: str,
    today: dt.date | None = None,
    say: Callable[[str], None] = print,
) -> Summary:
    """Fill the database with ``scale``'s data (see ``shape.SCALES``) and write the manifest
    the benchmarks read (``MANIFEST`` in the data folder). Raises ``GenerateError`` before
    writing anything when the database already holds generated data."""
    if isinstance(scale, str) and scale not in SCALES:
        raise GenerateError(f"Quy mô không hợp lệ: {scale!r} (chọn {', '.join(SCALES)}).")
    shape = SCALES[scale] if isinstance(scale, str) else scale
    if Organization.objects.filter(code__startswith=f"{PREFIX}-").exists():
        raise GenerateError(
            "Cơ sở dữ liệu đã có dữ liệu tổng hợp (cơ quan mã “th-…”). "
            "Dùng một cơ sở dữ liệu mới (THEODOI_DATA_DIR hoặc DATABASE_URL khác)."
        )
    started = time.monotonic()
    today = today or timezone.localdate()
    run = _Run(shape, random.Random(seed), today, make_password(password), say)
    with transaction.atomic():
        run.everything()
    say("Cập nhật thống kê cho bộ lập kế hoạch truy vấn (ANALYZE)…")
    analyze()  # without it PostgreSQL plans for the empty tables it last saw: scans, not indexes
    name = scale if isinstance(scale, str) else "custom"
    manifest = _write_manifest(run, scale=name, seed=seed, password=password)
    return Summary(name, seed, run.w.counts(), time.monotonic() - started, manifest, password)


class _Run:
    def __init__(self, scale, rng: random.Random, today: dt.date, hashed: str, say) -> None:
        self.scale = scale
        self.rng = rng
        self.today = today
        self.hashed = hashed
        self.say = say
        self.zone = timezone.get_default_timezone()
        self.now = timezone.now()
        self.w = _Writer()
        self.template = _template()
        self.provinces: list[_Province] = []
        self.staff_samples: list[str] = []
        self.task_samples: list[int] = []
        self.national_monitor = f"{PREFIX}-monitor"
        self._digests: dict[tuple[int, dt.date], int] = {}
        self._usernames: dict[int, str] = {}
        self._started = time.monotonic()

    # --- the whole run ---------------------------------------------------------------------

    def everything(self) -> None:
        # Every province's Tỉnh ủy under the Central Committee: its office follows the country
        self.centre = self._org("tw", "Ban Chấp hành Trung ương Đảng", "party_committee",
                                "central", skill=0.9)  # fmt: skip
        centre = self._org("tw-vp", "Văn phòng Trung ương Đảng", "party_office", "central",
                           self.centre.pk)  # fmt: skip
        self._user(self.national_monitor, centre.pk, "monitor", first="Văn phòng", last="TW")
        for index in range(self.scale.provinces):
            province = self._province(index)
            self.provinces.append(province)
            self.w.flush()
            counts = self.w.counts()
            self.say(
                f"[{index + 1}/{self.scale.provinces}] {province.name}: "
                f"{counts['task']:,} nhiệm vụ, {counts['occurrence']:,} kỳ, "
                f"{counts['reportrevision']:,} lượt báo cáo "
                f"({time.monotonic() - self._started:.0f} giây)"
            )
        self.w.flush()
        self.say("Cập nhật bộ đếm mã (sequence)…")
        reset_sequences(t.model for t in self.w.tables)
        forget_all()  # rows written without signals: no figure kept from before is current

    # --- bodies and people -----------------------------------------------------------------

    def _org(
        self,
        code: str,
        name: str,
        kind: str,
        level: str,
        parent: int | None = None,
        skill: float | None = None,
    ) -> _Body:
        full = f"{PREFIX}-{code}"
        pk = self.w.orgs.add(full, name, name, "", kind, level, parent, True, False, fold(name))
        if skill is None:
            skill = min(0.98, max(0.35, self.rng.gauss(0.8, 0.12)))
        return _Body(pk=pk, code=full, name=name, skill=skill)

    def _user(self, username: str, org: int, role: str, *, first: str = "", last: str = "") -> int:
        pk = self.w.users.add(
            self.hashed,
            False,
            username,
            first,
            last,
            f"{username}@synthetic.invalid",
            False,
            True,
            self.now,
        )
        self.w.memberships.add(pk, org, role)
        self._usernames[pk] = username
        return pk

    def _people(self, body: _Body) -> None:
        body.head = self._user(f"{body.code}-head", body.pk, "head", last="Thủ trưởng")
        body.staff = self._user(f"{body.code}-staff", body.pk, "staff", last="Cán bộ")

    def _province(self, index: int) -> _Province:
        name = PROVINCES[index % len(PROVINCES)]
        if index >= len(PROVINCES):
            name = f"{name} {index // len(PROVINCES) + 1}"
        code = f"p{index + 1:02d}"
        province = _Province(index=index, code=code, name=name)
        suffix = f" ({name})"
        # The example's own bodies, in the province's name.
        # The Tỉnh ủy first (the template starts with it), its bodies under it.
        for entry_id, (entry_name, kind) in self.template.bodies.items():
            parent = self.centre.pk if entry_id == "qn.tu" else province.bodies["qn.tu"].pk
            body = self._org(
                f"{code}-{entry_id.split('.', 1)[1]}", entry_name + suffix, kind, "province",
                parent,
            )  # fmt: skip
            province.bodies[entry_id] = body
        party = province.bodies["qn.tu"]
        office = province.bodies.get("qn.vptu") or self._org(
            f"{code}-vptu", "Văn phòng Tỉnh ủy" + suffix, "party_office", "province", party.pk
        )
        province.office = office
        province.monitor = f"{office.code}-monitor"
        province.monitor_pk = self._user(province.monitor, office.pk, "monitor", last="Văn phòng")
        self._user(f"{party.code}-leader", party.pk, "leader", last="Lãnh đạo")
        departments = [
            self._org(
                f"{code}-so{i + 1:02d}",
                DEPARTMENTS[i % len(DEPARTMENTS)] + suffix,
                "department",
                "province",
                party.pk,
            )
            for i in range(self.scale.departments)
        ]
        communes = []
        for i, commune in enumerate(commune_names(self.scale.communes, index)):
            skill = min(0.98, max(0.3, self.rng.gauss(0.78, 0.14)))
            communes.append(
                [
                    self._org(
                        f"{code}-x{i + 1:03d}-{suffix_code}",
                        f"{prefix} {commune}{suffix}",
                        kind,
                        "commune",
                        party.pk,
                        skill=skill,
                    )
                    for suffix_code, prefix, kind in COMMUNE_BODIES
                ]
            )
        for body in [*province.bodies.values(), *departments, *(b for c in communes for b in c)]:
            self._people(body)
        # The example's groups with fixed members, in this province.
        boards = [b for key, b in province.bodies.items() if key in self.template.boards]
        groups = {
            "qn.g.huyen-thi-thanh-dang-uy-truc-thuoc": [c[0] for c in communes],
            "qn.g.bcsd-dd": departments,
            "qn.g.co-quan-tham-muu-tu": boards,
        }
        group_ids: dict[str, tuple[int, list[_Body]]] = {}
        for entry_id, (group_name, _unnamed) in self.template.groups.items():
            members = groups.get(entry_id)
            group_code = f"{PREFIX}-{code}-{entry_id.split('.')[-1]}"
            pk = self.w.groups.add(group_code, group_name + suffix, members is None)
            for member in members or ():
                self.w.members.add(pk, member.pk)
            group_ids[entry_id] = (pk, members or [])
        province.program = self._provincial_program(province, group_ids)
        self._lower_programs(province, communes, departments)
        return province

    # --- programs --------------------------------------------------------------------------

    def _program(
        self,
        number: str,
        title: str,
        issuer: _Body,
        day: dt.date | None,
        parent: int | None = None,
        parent_task: int | None = None,
    ) -> tuple[int, int]:
        moment = self._at(day or dt.date(TERM[0], 12, 30), 8)
        pk = self.w.programs.add(
            number,
            False,
            title,
            "Chương trình hành động",
            issuer.pk,
            issuer.name,
            day,
            "Nghị quyết Đại hội đại biểu Đảng bộ lần thứ XX, nhiệm kỳ 2020 - 2025",
            TERM[0],
            TERM[1],
            Program.Status.ACTIVE,
            "half-year",
            parent,
            parent_task,
            as_json({}),
            as_json([]),
            as_json([]),
            moment,
            moment,
        )
        version = self.w.versions.add(
            pk, 1, f"{number}.docx", "0" * 64, moment, as_json({"synthetic": True}), as_json([]),
            "document", "", as_json([]), as_json([]),
        )  # fmt: skip
        return pk, version

    def _provincial_program(self, province: _Province, groups: dict) -> int:
        t = self.template
        issuer = province.bodies["qn.tu"]
        day = dt.date(2020, 12, 30)
        program, version = self._program(
            f"TH-{province.code}-01-CTr/TU",
            f"Chương trình hành động của Tỉnh ủy {province.name} thực hiện Nghị quyết Đại hội "
            "đại biểu Đảng bộ tỉnh lần thứ XX",
            issuer,
            day,
        )
        sections: dict[str, int] = {}
        for position, section in enumerate(t.sections):
            sections[section["number"]] = self.w.sections.add(
                program,
                section["number"],
                section["title"],
                sections.get(section["parent"]),
                position,
                as_json(section["text"]),
            )
        province_tasks: list[tuple[int, dict]] = []
        for position, task in enumerate(t.tasks):
            rows = []  # (organization, group, via_group, written, roles)
            for a in task["assignments"]:
                roles = set(a["roles"])
                if a["group"]:
                    group_pk, members = groups[a["id"]]
                    rows.append((None, group_pk, None, a["written"], roles))
                    rows.extend((m, None, group_pk, a["written"], roles) for m in members)
                elif a["id"] in province.bodies:
                    rows.append((province.bodies[a["id"]], None, None, a["written"], roles))
            lead = next((r[0] for r in rows if r[0] is not None and "leads" in r[4]), None)
            lead = lead or next((r[0] for r in rows if r[0] is not None and r[4] & _DOING), None)
            task_pk = self.w.tasks.add(
                program,
                sections.get(task["section"]),
                task["id"],
                task["text"],
                t.text_keys[task["id"]],
                as_json(task["time"]),
                task["time"]["text"],
                task["time"]["kind"],
                False,
                as_json(task["milestones"]),
                lead.pk if lead else None,
                False,
                task.get("product") or "",
                task.get("line"),
                position,
                version,
                None,
                "",
                None,
            )
            province_tasks.append((task_pk, task))
            periods = t.periods[task["id"]]
            for body, group_pk, via, written, roles in rows:
                assignment = self.w.assignments.add(
                    task_pk,
                    body.pk if body else None,
                    group_pk if body is None else None,
                    via,
                    written,
                    *(role in roles for role in _ROLES),
                    False,
                )
                if body is not None and roles & _DOING:
                    self._occurrences(assignment, body, periods, task["time"]["kind"], province)
        province.tasks = province_tasks
        self.task_samples.extend(pk for pk, _ in province_tasks[:: max(1, len(t.tasks) // 6)])
        return program

    def _lower_programs(self, province: _Province, communes: list, departments: list) -> None:
        issuing = next(pk for pk, task in province.tasks if task["id"] == "B.II.1")
        parents = [(pk, task) for pk, task in province.tasks if task["id"].startswith("B.III")]
        for i, (party, people, front) in enumerate(communes):
            self._lower(
                province,
                f"x{i + 1:03d}",
                party,
                [people, front],
                people,
                issuing,
                parents,
                self.scale.commune_tasks,
                "CTr/ĐU",
            )
            if i < 3:
                self.staff_samples.append(self._usernames[people.staff])
        for i, department in enumerate(departments):
            others = [d for d in departments if d is not department]
            helpers = [self.rng.choice(others)] if others else []
            self._lower(
                province,
                f"so{i + 1:02d}",
                department,
                [department, *helpers],
                department,
                issuing,
                parents,
                self.scale.department_tasks,
                "KH/BCS",
            )
            if i < 2:
                self.staff_samples.append(self._usernames[department.staff])

    def _lower(
        self,
        province: _Province,
        code: str,
        issuer: _Body,
        doers: list[_Body],
        lead: _Body,
        issuing: int,
        parents: list,
        size: int,
        kind: str,
    ) -> None:
        rng = self.rng
        roll = rng.random() * (1.2 - issuer.skill)
        if roll > 0.38:
            return  # not issued (yet): the parent's obligations show it missing
        # B.II.1 asks for programs within the first quarter of 2021; the diligent are on time.
        late = roll > 0.2
        day = dt.date(2021, 3, 31) - dt.timedelta(days=rng.randint(0, 80))
        if late:
            day = dt.date(2021, 3, 31) + dt.timedelta(days=rng.randint(5, 150))
        program, version = self._program(
            f"TH-{province.code}-{code}-{kind}",
            f"Chương trình hành động của {issuer.name} thực hiện Chương trình hành động của "
            f"Tỉnh ủy {province.name}",
            issuer,
            day,
            province.program,
            issuing,
        )
        sections = [
            self.w.sections.add(program, _ROMAN[n], title, None, n, as_json([]))
            for n, title in enumerate(LOWER_SECTIONS)
        ]
        for position in range(size):
            parent_pk, parent = parents[rng.randrange(len(parents))]
            spec = _lower_time(rng)
            where = issuer.name.split(" (")[0]
            text = f"{_first_sentence(parent['text'])} ({where})."
            key = f"{position // (size // 4 or 1) + 1}.{position + 1}"
            section = sections[min(position * len(sections) // size, len(sections) - 1)]
            task_pk = self.w.tasks.add(
                program,
                section,
                key,
                text,
                _text_key(text),
                as_json(spec),
                spec["text"],
                spec["kind"],
                False,
                as_json([]),
                lead.pk,
                False,
                "",
                None,
                position,
                version,
                parent_pk,
                "similarity",
                rng.randint(62, 96),
            )
            if rng.random() < 0.5:  # the party committee directs
                self.w.assignments.add(
                    task_pk,
                    issuer.pk,
                    None,
                    None,
                    issuer.name,
                    True,
                    False,
                    False,
                    False,
                    False,
                    False,
                    False,
                )
            periods = _periods(json.dumps(spec, sort_keys=True), day.year)
            for body in doers:
                leads = body is lead
                if not leads and rng.random() < 0.35:
                    continue
                assignment = self.w.assignments.add(
                    task_pk,
                    body.pk,
                    None,
                    None,
                    body.name,
                    False,
                    False,
                    False,
                    leads,
                    leads,
                    not leads,
                    False,
                )
                self._occurrences(assignment, body, periods, spec["kind"], province)
            if position == 0:
                self.task_samples.append(task_pk)

    # --- occurrences and their history -----------------------------------------------------

    def _occurrences(
        self, assignment: int, body: _Body, periods, kind: str, province: _Province
    ) -> None:
        for period in periods:
            no_deadline = period.source == "period" and kind == "continuous"
            pk = self.w.occurrences.reserve()
            done = body.staff and self._history(pk, body, period, no_deadline, province)
            # As confirming a report done marks its occurrence (``tracking.reports``).
            status = "done" if done else "open"
            self.w.occurrences.add(
                assignment, period.start, period.due, period.label, period.source,
                period.scope, status, pk=pk,
            )  # fmt: skip

    def _history(
        self, occurrence: int, body: _Body, period, no_deadline: bool, province: _Province
    ) -> bool:
        rng, today = self.rng, self.today
        due = period.due
        start = period.start or due - dt.timedelta(days=90)
        if start >= today:
            return False
        monitor = province.monitor_pk
        if no_deadline:  # a continuous task's period: reported, mostly
            if rng.random() > body.skill + 0.1 or due >= today:
                return False
            day = due - dt.timedelta(days=rng.randint(0, 10))
            self._report(
                occurrence,
                body,
                monitor,
                [
                    (day, "create", "in_progress", "draft", None),
                    (day, "submit", "in_progress", "submitted", None),
                    (
                        day + dt.timedelta(days=rng.randint(1, 8)),
                        "confirm",
                        "in_progress",
                        "confirmed",
                        None,
                    ),
                ],
            )
            return False
        roll = rng.random()
        if due >= today:  # not due yet
            if roll < 0.3:
                day = min(today - dt.timedelta(days=1), start + dt.timedelta(days=20))
                self._report(
                    occurrence, body, monitor, [(day, "create", "in_progress", "draft", None)]
                )
            return False
        skill = body.skill
        if roll > skill + 0.12:  # never done
            if rng.random() < 0.5:
                day = min(today, due + dt.timedelta(days=rng.randint(-20, 40)))
                self._report(
                    occurrence, body, monitor, [(day, "create", "in_progress", "draft", None)]
                )
            self._overdue_notice(occurrence, body, due)
            return False
        late = roll > skill - 0.1
        if late:
            done = due + dt.timedelta(days=rng.randint(3, 90))
            self._overdue_notice(occurrence, body, due)
        else:
            done = due - dt.timedelta(days=rng.randint(0, 45))
        done = max(start, min(done, today))
        if late and rng.random() < 0.25:  # asked for more time, and got it
            asked = self._at(due - dt.timedelta(days=10), 9)
            decided = self._at(due - dt.timedelta(days=6), 14)
            self.w.extensions.add(
                occurrence,
                body.staff,
                asked,
                "Chờ ý kiến của cơ quan cấp trên.",
                done + dt.timedelta(days=5),
                "approved",
                monitor,
                decided,
                "",
            )
        steps = []
        if rng.random() < 0.4:
            steps.append(
                (
                    done - dt.timedelta(days=rng.randint(5, 30)),
                    "create",
                    "in_progress",
                    "draft",
                    None,
                )
            )
        steps.append((done, "create" if not steps else "edit", "done", "draft", done))
        steps.append((done, "submit", "done", "submitted", done))
        confirm = done + dt.timedelta(days=rng.randint(1, 7))
        if rng.random() < 0.06:  # returned once, then sent again
            steps.append((confirm, "return", "done", "returned", done))
            confirm += dt.timedelta(days=rng.randint(2, 10))
            steps.append((confirm, "submit", "done", "submitted", done))
            confirm += dt.timedelta(days=rng.randint(1, 5))
        if confirm < today and rng.random() < 0.96:
            steps.append((confirm, "confirm", "done", "confirmed", done))
        return self._report(occurrence, body, monitor, steps)

    def _report(self, occurrence: int, body: _Body, monitor: int, steps: list) -> bool:
        """Write the report and its revisions; whether it ends confirmed done."""
        steps = [s for s in steps if s[0] <= self.today]
        if not steps:
            return False
        _day, _action, state, status, done_on = steps[-1]
        first, last = self._at(steps[0][0], 9), self._at(steps[-1][0], 16)
        narrative = _NARRATIVE[state]
        report = self.w.reports.add(
            occurrence,
            body.pk,
            state,
            100 if state == "done" else 50,
            narrative,
            done_on,
            "",
            "",
            None,
            "",
            status,
            "",
            len(steps),
            True,
            first,
            last,
        )
        for version, (day, action, state, status, done_on) in enumerate(steps, 1):
            by = monitor if action in ("confirm", "return") else body.staff
            data = {
                "state": state,
                "percent": 100 if state == "done" else 50,
                "narrative": narrative,
            }
            if done_on is not None:
                data["done_on"] = done_on.isoformat()
            self.w.revisions.add(
                report,
                version,
                self._at(day, 9 + version),
                by,
                action,
                "cli",  # written by the generator's command, not through a session
                state,
                status,
                done_on,
                as_json(data),
            )
        return steps[-1][2] == "done" and steps[-1][3] == "confirmed"

    def _overdue_notice(self, occurrence: int, body: _Body, due: dt.date) -> None:
        day = due + dt.timedelta(days=1)
        if day > self.today:
            return
        recipient = body.staff
        digest = self._digests.get((recipient, day))
        moment = self._at(day, 7)
        if digest is None:
            digest = self.w.digests.add(
                recipient,
                day,
                f"{self._usernames[recipient]}@synthetic.invalid",
                "Nhắc việc theodoi",
                moment,
                1,
                "",
                moment,
            )
            self._digests[(recipient, day)] = digest
        self.w.notifications.add(
            recipient,
            "overdue",
            day,
            f"occurrence:{occurrence}",
            occurrence,
            due,
            "Quá hạn: một nhiệm vụ chưa hoàn thành.",
            "",
            moment,
            moment if self.rng.random() < 0.7 else None,
            digest,
        )

    def _at(self, day: dt.date, hour: int) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(min(hour, 23)), tzinfo=self.zone)


_ROLES = ("directs", "issues", "advises", "implements", "leads", "coordinates")
_DOING = {"advises", "implements", "leads", "coordinates"}
_ROMAN = ("I", "II", "III", "IV", "V", "VI")
_NARRATIVE = {
    "done": "Đã hoàn thành; văn bản đã ban hành và gửi các cơ quan liên quan (dữ liệu tổng hợp).",
    "in_progress": "Đang triển khai; đã xây dựng dự thảo, lấy ý kiến (dữ liệu tổng hợp).",
}


def _lower_time(rng: random.Random) -> dict[str, Any]:
    """A lower-level task's time: mostly a deadline in some quarter, some yearly, some
    continuous, as in real commune and department programs."""
    roll = rng.random()
    base = {"due": None, "start": None, "every": None, "parts": [], "scope": None}
    if roll < 0.75:
        year = rng.randint(2021, 2025)
        quarter = rng.randint(1, 4)
        end_month = quarter * 3
        due = dt.date(year, end_month, 30 if end_month in (6, 9) else 31)
        return {
            **base,
            "text": f"Trong quý {_ROMAN[quarter - 1]}/{year}",
            "kind": "deadline",
            "due": due.isoformat(),
            "start": dt.date(year, end_month - 2, 1).isoformat(),
        }
    if roll < 0.92:
        return {**base, "text": "Hằng năm", "kind": "recurring", "every": "year"}
    return {**base, "text": "Thường xuyên", "kind": "continuous"}


@lru_cache(maxsize=4096)
def _periods(spec: str, year: int) -> tuple:
    return tuple(periods_for(json.loads(spec), term=TERM, program_date=dt.date(year, 6, 30)))


@lru_cache(maxsize=65536)
def _text_key(text: str) -> str:
    return text_key(text)


def _first_sentence(text: str, limit: int = 220) -> str:
    first = text.split("\n")[0].split(". ")[0].rstrip(".")
    return first if len(first) <= limit else first[:limit].rsplit(" ", 1)[0]


@dataclass
class _Template:
    sections: list[dict]
    tasks: list[dict]
    bodies: dict[str, tuple[str, str]]  # registry id -> (name, kind)
    groups: dict[str, tuple[str, bool]]  # registry id -> (name, unnamed)
    boards: set[str]
    periods: dict[str, tuple]
    text_keys: dict[str, str]


@lru_cache(maxsize=1)
def _template() -> _Template:
    """The example program as parsed, and the kinds of the bodies it names."""
    draft = parse_file(example_path()).to_dict()
    registry = tomllib.loads(
        resources.files("theodoi.data.orgs").joinpath("quang-ngai-2020.toml").read_text("utf-8")
    )
    kinds = {item["id"]: item.get("kind", "other") for item in registry.get("organization", [])}
    bodies: dict[str, tuple[str, str]] = {"qn.tu": ("Tỉnh ủy", "party_committee")}
    groups: dict[str, tuple[str, bool]] = {}
    for task in draft["tasks"]:
        for a in task["assignments"]:
            if not a.get("id"):
                continue
            if a["group"]:
                groups.setdefault(a["id"], (a["org"], not a["id"].startswith("qn.g.")))
            else:
                bodies.setdefault(a["id"], (a["org"], kinds.get(a["id"], "other")))
    bodies.setdefault("qn.vptu", ("Văn phòng Tỉnh ủy", "party_office"))
    boards = {
        key
        for key, (_n, kind) in bodies.items()
        if kind in ("party_board", "inspection_committee", "party_office")
    }
    term = (draft["term"]["start"], draft["term"]["end"]) if draft.get("term") else TERM
    periods = {
        task["id"]: tuple(
            periods_for(
                task["time"], task["milestones"], term=term, program_date=dt.date(2020, 12, 30)
            )
        )
        for task in draft["tasks"]
    }
    return _Template(
        sections=draft["sections"],
        tasks=draft["tasks"],
        bodies=bodies,
        groups=groups,
        boards=boards,
        periods=periods,
        text_keys={task["id"]: text_key(task["text"]) for task in draft["tasks"]},
    )


def _write_manifest(run: _Run, *, scale: str, seed: int, password: str) -> Path:
    rng = random.Random(seed)
    texts = [task["text"] for task in run.template.tasks]
    search = []
    for text in rng.sample(texts, min(_SEARCH_SAMPLES, len(texts))):
        words = text_key(text).split()
        if len(words) >= 4:
            at = rng.randrange(len(words) - 2)
            search.append(" ".join(words[at : at + 2]))
    manifest = {
        "scale": scale,
        "seed": seed,
        "today": run.today.isoformat(),
        "password": password,
        "as_of": "30/06/2023",
        "quarter": "2023-Q2",
        "monitor": run.national_monitor,
        "provinces": [
            {"code": p.code, "name": p.name, "program": p.program, "monitor": p.monitor}
            for p in run.provinces
        ],
        "staff": run.staff_samples[:50],
        "tasks": run.task_samples[:200],
        "search": search,
        "counts": run.w.counts(),
    }
    path = Path(settings.DATA_DIR) / MANIFEST
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return path
