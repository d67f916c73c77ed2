"""What `theodoi demo` sets up: the example province and program, one account per role, and
(``--with-history``) plausible progress, every invented report marked as demo data.

Passwords are generated once per data folder and kept in ``demo-accounts.json`` there, so a
second run on the same folder prints the same accounts and reuses everything.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import secrets
import zoneinfo
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from theodoi.orgs.models import Organization
from theodoi.orgs.registry import load_registry_file
from theodoi.parsing import example_path
from theodoi.programs.importer import import_program
from theodoi.programs.lineage import example_district, link_lower_program
from theodoi.programs.models import DOING_ROLES, Occurrence, Program
from theodoi.tracking.extensions import decide_extension, request_extension
from theodoi.tracking.models import Membership, ProgressReport, ReportState, Role
from theodoi.tracking.reports import review_report, save_report, submit_report

__all__ = [
    "ACCOUNTS",
    "DemoAccount",
    "ensure_accounts",
    "ensure_district",
    "ensure_example",
    "invent_history",
]


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    org_code: str
    password: str = ""
    full_name: str = ""  # how the app and the digest address the person

    @property
    def organization(self) -> Organization:
        return Organization.objects.get(code=self.org_code)


# One account per role: the office that follows the program, Ban Tổ chức's head and staff (a
# body that leads many tasks), a leader of the Standing Committee, an administrator.
ACCOUNTS = [
    DemoAccount("vanphong", Role.MONITOR, "qn.vptu", full_name="Phạm Thị Thu"),
    DemoAccount("truongban", Role.HEAD, "qn.btctu", full_name="Trần Văn Hùng"),
    DemoAccount("canbo", Role.STAFF, "qn.btctu", full_name="Nguyễn Thị Lan"),
    DemoAccount("lanhdao", Role.LEADER, "qn.btv", full_name="Lê Minh Quang"),
    DemoAccount("quantri", Role.ADMIN, "qn.vptu", full_name="Võ Thành Nam"),
]
DEMO_NAME = "Dữ liệu minh họa"  # the first name of the invented reporters


def ensure_example() -> Program:
    """The example registry and program, loaded once; and under it, the sample lower-level
    program of one district (Huyện ủy Bình Sơn's) with its bodies, so the parent's pages show
    a district that issued its program and the others that have not."""
    if not Organization.objects.filter(code="qn.btctu").exists():
        load_registry_file(None)
    program = Program.objects.order_by("pk").first()
    if program is None:
        import_program(path=example_path())
        program = Program.objects.order_by("pk").first()
    ensure_district(program)
    return program


def ensure_district(parent: Program) -> Program | None:
    """The sample district program, imported once under ``parent`` (None when ``parent`` is
    not the example: the sample implements the example's tasks)."""
    path, registry = example_district()
    found = Program.objects.filter(parent_program=parent, issuer__code="qn.hu-binhson").first()
    if found is not None or not parent.tasks.filter(key="B.II.1").exists():
        return found
    with transaction.atomic():
        if not Organization.objects.filter(code="qn.hu-binhson.btv").exists():
            load_registry_file(registry)
        summary = import_program(path=path, parent=parent.number)
        found = Program.objects.get(number=summary.program)
        link_lower_program(program=found)
    return found


def _accounts_file() -> Path:
    return Path(settings.DATA_DIR) / "demo-accounts.json"


def ensure_accounts() -> list[DemoAccount]:
    """The demo accounts with their passwords, made on the first run and reused after."""
    path = _accounts_file()
    passwords: dict[str, str] = {}
    if path.exists():
        passwords = json.loads(path.read_text(encoding="utf-8"))
    users = get_user_model()
    made = []
    with transaction.atomic():
        for account in ACCOUNTS:
            password = passwords.get(account.username) or secrets.token_urlsafe(9)
            user = users.objects.filter(username=account.username).first()
            if user is None or not user.check_password(password):
                user = user or users(username=account.username)
                user.set_password(password)
            user.email = user.email or f"{account.username}@theodoi.invalid"
            if not user.get_full_name():
                user.first_name = account.full_name  # the whole name, family name first
            user.is_staff = user.is_superuser = account.role == Role.ADMIN
            user.is_active = True
            user.save()
            Membership.objects.update_or_create(
                user=user, defaults={"organization": account.organization, "role": account.role}
            )
            passwords[account.username] = password
            made.append(DemoAccount(account.username, account.role, account.org_code, password))
    path.write_text(json.dumps(passwords, indent=2) + "\n", encoding="utf-8")
    path.chmod(0o600)
    return made


def invent_history(program: Program, *, today: dt.date, seed: int = 2020) -> int:
    """Plausible progress on ``program`` up to ``today``, through the real services (so the
    history, the audit trail and every status as of a past date are consistent), each report
    marked ``demo``. Done once: a program with demo reports is left alone. Returns how many
    reports were invented."""
    if ProgressReport.objects.filter(
        occurrence__assignment__task__program=program, demo=True
    ).exists():
        return 0
    rng = random.Random(seed)
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    monitor = get_user_model().objects.get(username="vanphong")
    reporters: dict[int, object] = {}
    doing = [f"assignment__{role}" for role in DOING_ROLES]
    occurrences = [
        o
        for o in Occurrence.objects.filter(
            assignment__task__program=program,
            assignment__organization__isnull=False,
            due_date__lte=today + dt.timedelta(days=60),
            status=Occurrence.Status.OPEN,
        )
        .select_related("assignment__organization", "assignment__task")
        .order_by("due_date", "pk")
        if any(getattr(o.assignment, f.split("__")[1]) for f in doing)
    ]
    made = 0
    for occurrence in occurrences:
        body = occurrence.assignment.organization
        if body.pk not in reporters:
            reporters[body.pk] = _reporter(body)
        user = reporters[body.pk]
        with transaction.atomic():
            made += _invent_one(occurrence, user, monitor, rng, today, zone)
    return made


def _reporter(body: Organization):
    users = get_user_model()
    user, _ = users.objects.get_or_create(
        username=f"minhhoa-{body.code}",
        defaults={"first_name": DEMO_NAME, "last_name": body.name[:150]},
    )
    if user.has_usable_password():
        user.set_unusable_password()
        user.save()
    Membership.objects.get_or_create(user=user, defaults={"organization": body, "role": Role.STAFF})
    return user


def _at(day: dt.date, zone, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=zone)


def _invent_one(occurrence: Occurrence, user, monitor, rng: random.Random, today, zone) -> int:
    due = occurrence.due_date
    start = occurrence.period_start or (due - dt.timedelta(days=90))
    roll = rng.random()
    if due > today:  # not due yet: some work under way
        if roll < 0.3 and start < today:
            _report(
                occurrence,
                user,
                ReportState.IN_PROGRESS,
                min(today, start + dt.timedelta(days=20)),
                zone,
                percent=rng.choice([20, 40, 60]),
            )
        return int(roll < 0.3 and start < today)  # fmt: skip
    if roll < 0.08:
        return 0  # nothing reported: overdue
    if roll < 0.16:  # in progress, late
        day = min(today, due + dt.timedelta(days=rng.randint(1, 30)))
        _report(
            occurrence,
            user,
            ReportState.IN_PROGRESS,
            day,
            zone,
            percent=rng.choice([30, 50, 70, 80]),
        )
        return 1  # fmt: skip
    late = roll > 0.82
    done_on = (
        due + dt.timedelta(days=rng.randint(3, 75))
        if late
        else due - dt.timedelta(days=rng.randint(0, 40))
    )
    done_on = max(start, min(done_on, today))  # fmt: skip
    if roll < 0.22 and due >= today - dt.timedelta(days=400):  # a granted extension first
        ask = request_extension(
            user=user, occurrence=occurrence, new_due=due + dt.timedelta(days=60),
            reason="Chờ ý kiến của cơ quan cấp trên (dữ liệu minh họa).", now=_at(due - dt.timedelta(days=10), zone),
        )  # fmt: skip
        decide_extension(
            user=monitor, extension=ask, approve=True, now=_at(due - dt.timedelta(days=7), zone)
        )
    report = _report(occurrence, user, ReportState.DONE, done_on, zone, submit=True)
    confirm_day = done_on + dt.timedelta(days=rng.randint(1, 6))
    own = occurrence.assignment.organization_id == monitor.membership.organization_id
    if confirm_day <= today:  # the office's own reports are confirmed by the leader
        reviewer = _leader() if own else monitor
        review_report(user=reviewer, report=report, expected_version=report.version, accept=True,
                      comment="", now=_at(confirm_day, zone, 15))  # fmt: skip
    return 1


def _leader():
    """The Standing Committee's leader account: the reviewer of the office's own work."""
    return get_user_model().objects.get(username="lanhdao")


def _report(occurrence, user, state, day, zone, *, percent=None, submit=False) -> ProgressReport:
    narrative = {
        ReportState.DONE: "Đã hoàn thành; văn bản đã ban hành và gửi các cơ quan liên quan.",
        ReportState.IN_PROGRESS: "Đang triển khai; đã xây dựng dự thảo, lấy ý kiến các cơ quan.",
    }[state]
    report = save_report(
        user=user, occurrence=occurrence, expected_version=None, state=state,
        percent=100 if state == ReportState.DONE else percent,
        narrative=f"{narrative} (Dữ liệu minh họa)",
        done_on=day if state == ReportState.DONE else None, now=_at(day, zone, 10),
    )  # fmt: skip
    ProgressReport.objects.filter(pk=report.pk).update(demo=True)
    if submit:
        report = submit_report(user=user, report=report, expected_version=report.version,
                               now=_at(day, zone, 11))  # fmt: skip
    return report


def today() -> dt.date:
    return timezone.localdate()
