"""theodoi against the issue tracker a province might use instead: Debian's Redmine on the same
machine, holding the same work in its own shape (a project per program, lower programs as
subprojects; an issue per assignment that owes work, assigned to a group per body, filed under
a category per area), asked the same two questions by the same HTTP client in the same run.

    sudo .venv/bin/python bench/redmine.py --setup             # Debian's redmine, once
    .venv/bin/python bench/redmine.py --load --data-dir DIR    # theodoi's data into Redmine
    .venv/bin/python bench/redmine.py --compare --data-dir DIR [--runs 20]

DIR is a theodoi data folder with its manifest ``generated.json`` (see ``theodoi generate``);
DATABASE_URL names theodoi's database when it is not the folder's SQLite file. Redmine's data
goes straight into its PostgreSQL database (COPY), not through its REST API, which would take
hours. Nothing is installed into theodoi: Redmine lives in Debian's /usr/share/redmine, as an
instance of its own (``REDMINE_INSTANCE``, default "bench") with the database redmine_bench.

The questions, each about the province's program (the manifest's provinces[0].program) as of
the manifest's "today":
- overdue_by_body: theodoi's dashboard (its "by body" table) against Redmine's issue list
  filtered on open issues due before today, grouped by assignee (the group of each body), as a
  person does it in Redmine's web pages (100 a page, every page fetched: the group counts of a
  page name only the groups on it);
- status_by_area: the same dashboard (its "by area" table) against Redmine's issue report by
  category (``/projects/X/issues/report/category``: open/closed counts per status).
Prints ``name=value`` lines: each side's median and 95th percentile, the ratio of the medians
(Redmine ÷ theodoi) and whether the answers agree where they count the same thing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from html import unescape
from pathlib import Path

HERE = Path(__file__).resolve().parent
REDMINE_ROOT = Path("/usr/share/redmine")
PACKAGES = ["redmine", "redmine-pgsql", "puma"]
PRESEED = (
    "redmine redmine/instances/default/dbconfig-install boolean false\n"
    "redmine redmine/instances/default/database-type select pgsql\n"
)
TRACKER = "Nhiệm vụ"
PER_PAGE = 100  # the largest page Redmine's issue list offers by default
STATUS_NEW, STATUS_IN_PROGRESS, STATUS_RESOLVED = "New", "In Progress", "Resolved"
STATUS_CLOSED, STATUS_REJECTED = "Closed", "Rejected"
DEVELOPER = "Developer"  # the role a body's group gets in the projects it has work in


# --- Setup: Debian's package, an instance of our own, its database --------------------------


def instance_paths(instance: str) -> dict[str, Path]:
    return {
        "etc": Path("/etc/redmine") / instance,
        "lib": Path("/var/lib/redmine") / instance,
        "log": Path("/var/log/redmine") / instance,
        "tmp": Path("/var/cache/redmine") / instance / "tmp",
    }


def pg_args(args: argparse.Namespace) -> dict[str, str]:
    return {"host": args.pg_host, "port": str(args.pg_port), "user": args.pg_user}


def redmine_dsn(args: argparse.Namespace) -> str:
    return f"postgresql://{args.pg_user}@{args.pg_host}:{args.pg_port}/{args.redmine_db}"


def setup(args: argparse.Namespace) -> None:
    """Install Debian's Redmine (if missing), make the instance, migrate, load Redmine's default
    data, enable the REST API and group assignment, give the admin a password and an API key.
    Safe to run again."""
    if os.geteuid() != 0:
        sys.exit("--setup installs Debian packages: run it as root")
    started = time.perf_counter()
    if not (REDMINE_ROOT / "config.ru").exists() or not shutil.which("puma"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        # dbconfig-common must not make a database of its own: ours is configured below.
        subprocess.run(["debconf-set-selections"], input=PRESEED, text=True, check=True)
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *PACKAGES],
            env=env,
            check=True,
        )
    paths = instance_paths(args.instance)
    for path in paths.values():
        path.mkdir(parents=True, exist_ok=True)
    (paths["lib"] / "files").mkdir(exist_ok=True)
    template = (HERE / "redmine" / "database.yml").read_text(encoding="utf-8")
    config = "\n".join(line for line in template.splitlines() if not line.startswith("#"))
    (paths["etc"] / "database.yml").write_text(
        config.format(database=args.redmine_db, **pg_args(args)) + "\n", encoding="utf-8"
    )
    secret = paths["etc"] / "secret_key.txt"
    if not secret.exists():
        secret.write_text(secrets.token_hex(48), encoding="ascii")
    for name, target in (("config", paths["etc"]), ("log", paths["log"]), ("tmp", paths["tmp"])):
        link = paths["lib"] / name
        if not link.is_symlink():
            link.symlink_to(target)
    _create_database(args, args.redmine_db)
    _chown_www_data(paths)
    # Rails dumps the schema after migrating: into the instance's tmp, not Debian's tree.
    env = {**redmine_env(args.instance), "SCHEMA": str(paths["tmp"] / "schema.rb")}
    for task in (["db:migrate"], ["redmine:load_default_data"]):
        subprocess.run(
            ["runuser", "-u", "www-data", "--", "env", *_env_args(env), "rake", *task],
            cwd=REDMINE_ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    import psycopg

    with psycopg.connect(redmine_dsn(args), autocommit=True) as db:
        for name in ("rest_api_enabled", "issue_group_assignment"):
            _setting(db, name, "1")
        salt = secrets.token_hex(16)
        hashed = hashlib.sha1(
            (salt + hashlib.sha1(args.admin_password.encode()).hexdigest()).encode()
        ).hexdigest()
        db.execute(
            "UPDATE users SET hashed_password=%s, salt=%s, must_change_passwd=false,"
            " passwd_changed_on=now() WHERE login='admin'",
            (hashed, salt),
        )
        key = db.execute(
            "SELECT t.value FROM tokens t JOIN users u ON u.id=t.user_id"
            " WHERE u.login='admin' AND t.action='api'"
        ).fetchone()
        if key is None:
            key = (secrets.token_hex(20),)
            db.execute(
                "INSERT INTO tokens (user_id, action, value, created_on, updated_on)"
                " SELECT id, 'api', %s, now(), now() FROM users WHERE login='admin'",
                key,
            )
    print(
        f"Redmine ready ({args.instance}, database {args.redmine_db}) in "
        f"{time.perf_counter() - started:.0f} s; admin API key {key[0]}"
    )


def redmine_env(instance: str) -> dict[str, str]:
    return {"REDMINE_INSTANCE": instance, "RAILS_ENV": "production", "REDMINE_LANG": "en"}


def _env_args(env: dict[str, str]) -> list[str]:
    return [f"{k}={v}" for k, v in env.items()]


def _chown_www_data(paths: dict[str, Path]) -> None:
    for key in ("log", "tmp"):
        subprocess.run(["chown", "-R", "www-data:www-data", str(paths[key])], check=True)
    subprocess.run(["chown", "-R", "www-data:www-data", str(paths["lib"] / "files")], check=True)


def _create_database(args: argparse.Namespace, name: str) -> None:
    import psycopg

    dsn = f"postgresql://{args.pg_user}@{args.pg_host}:{args.pg_port}/postgres"
    with psycopg.connect(dsn, autocommit=True) as db:
        if db.execute("SELECT 1 FROM pg_database WHERE datname=%s", (name,)).fetchone():
            return
        db.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")


def _setting(db, name: str, value: str) -> None:
    if (
        db.execute(
            "UPDATE settings SET value=%s, updated_on=now() WHERE name=%s", (value, name)
        ).rowcount
        == 0
    ):
        db.execute(
            "INSERT INTO settings (name, value, updated_on) VALUES (%s, %s, now())", (name, value)
        )


# --- Load: theodoi's data (through Django) into Redmine's tables ----------------------------


def manifest(data_dir: Path) -> dict:
    path = data_dir / "generated.json"
    if not path.exists():
        sys.exit(f"{path} is missing: make the data with `theodoi generate` (or write one)")
    return json.loads(path.read_text(encoding="utf-8"))


def theodoi_env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("THEODOI_SECRET_KEY", "redmine-bench-" + secrets.token_hex(8))
    env["THEODOI_HTTPS"] = "0"
    env["THEODOI_DATA_DIR"] = str(data_dir)
    env["DJANGO_SETTINGS_MODULE"] = "theodoi.settings"
    return env


def nfc(text: str, limit: int) -> str:
    text = unicodedata.normalize("NFC", " ".join((text or "").split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def read_theodoi(today: dt.date) -> dict:
    """(With Django set up.) Programs, bodies, areas and the assignments that owe work, each
    with the status, due date and share done that its occurrences give as of ``today``."""
    import django

    django.setup()
    from django.db.models import Q

    from theodoi.programs.models import Assignment, Occurrence, Program, Task
    from theodoi.tracking.rollup import area_of_sections
    from theodoi.tracking.status import (
        AWAITING_CONFIRMATION,
        IN_PROGRESS,
        NO_DEADLINE,
        OPEN_IN_TIME,
        OPEN_OVERDUE,
        RETURNED,
        WITHDRAWN,
        statuses,
    )

    programs = list(Program.objects.order_by("pk"))
    areas: dict[int, dict[int, tuple[str, str]]] = {}  # program -> section id -> area
    for program in programs:
        found, area_of = area_of_sections(program)
        named = {s.pk: (s.number, s.title) for s in found}
        areas[program.pk] = {sid: named[aid] for sid, aid in area_of.items()}
    owes = Q(advises=True) | Q(implements=True) | Q(leads=True) | Q(coordinates=True)
    assignments = list(
        Assignment.objects.filter(owes, organization__isnull=False)
        .select_related("organization")
        .only("pk", "task_id", "organization__id", "organization__code", "organization__name")
        .order_by("pk")
    )
    wanted = {a.pk for a in assignments}
    tasks = {
        t.pk: t
        for t in Task.objects.filter(assignments__in=wanted)
        .only("pk", "key", "text", "program_id", "section_id")
        .distinct()
    }
    occurrences = Occurrence.objects.filter(assignment__in=wanted)
    found = statuses(occurrences, as_of=today)
    by_assignment: dict[int, list] = defaultdict(list)
    for pk, assignment_id in occurrences.values_list("pk", "assignment_id"):
        if pk in found:
            by_assignment[assignment_id].append(found[pk])
    bodies: dict[int, tuple[str, str]] = {}
    issues = []
    for a in assignments:
        task = tasks[a.task_id]
        body = a.organization
        bodies[body.pk] = (body.code, body.name)
        states = by_assignment.get(a.pk, [])
        live = [s for s in states if s.bucket != WITHDRAWN]
        open_ = [s for s in live if not s.done]
        overdue = [s.due for s in open_ if s.bucket == OPEN_OVERDUE]
        in_time = [s.due for s in open_ if s.bucket == OPEN_IN_TIME]
        if not states:
            status = STATUS_NEW
        elif not live:
            status = STATUS_REJECTED  # every occurrence withdrawn: not asked any more
        elif not open_:
            status = STATUS_CLOSED
        elif any(s.workflow == AWAITING_CONFIRMATION for s in open_):
            status = STATUS_RESOLVED
        elif len(open_) < len(live) or any(s.workflow in (IN_PROGRESS, RETURNED) for s in open_):
            status = STATUS_IN_PROGRESS
        else:
            status = STATUS_NEW
        # The due date Redmine judges "overdue" by: the latest overdue period when one is late
        # (so Redmine calls the issue overdue exactly when theodoi has overdue work), else the
        # next deadline, else the last one; none for work without deadlines.
        if overdue:
            due = max(overdue)
        elif in_time:
            due = min(in_time)
        else:
            dated = [s.due for s in states if s.bucket != NO_DEADLINE]
            due = max(dated) if dated and not open_ else None
        area = areas.get(task.program_id, {}).get(task.section_id)
        issues.append(
            {
                "program": task.program_id,
                "body": body.pk,
                "subject": nfc(f"{task.key} {task.text}", 255),
                "description": unicodedata.normalize("NFC", task.text),
                "due": due,
                "status": status,
                "done_ratio": round(100 * (len(live) - len(open_)) / len(live)) if live else 0,
                "area": area,
                "overdue": bool(overdue),
                "occurrences": len(states),
            }
        )
    return {
        "programs": [
            (p.pk, p.parent_program_id, nfc(f"{p.number} {p.title}", 255), p.title)
            for p in programs
        ],
        "bodies": bodies,
        "issues": issues,
    }


def _nested_set(programs: list[tuple]) -> dict[int, tuple[int, int]]:
    """lft/rgt of each project as Redmine's awesome_nested_set keeps them (siblings by name)."""
    ids = {p[0] for p in programs}
    children: dict[int | None, list[tuple]] = defaultdict(list)
    for p in programs:
        children[p[1] if p[1] in ids else None].append(p)
    bounds: dict[int, tuple[int, int]] = {}
    counter = 0

    def walk(node: tuple) -> None:
        nonlocal counter
        counter += 1
        left = counter
        for child in sorted(children[node[0]], key=lambda c: c[2].lower()):
            walk(child)
        counter += 1
        bounds[node[0]] = (left, counter)

    for root in sorted(children[None], key=lambda c: c[2].lower()):
        walk(root)
    return bounds


def load(args: argparse.Namespace) -> None:
    """Replace every project, issue, category and group in Redmine's database by theodoi's."""
    import psycopg

    data_dir = Path(args.data_dir)
    info = manifest(data_dir)
    today = dt.date.fromisoformat(info["today"])
    os.environ.update(theodoi_env(data_dir))
    sys.path.insert(0, str(HERE.parent / "src"))
    started = time.perf_counter()
    theodoi = read_theodoi(today)
    read_s = time.perf_counter() - started
    now = dt.datetime.now().replace(microsecond=0)
    with psycopg.connect(redmine_dsn(args)) as db:
        one = lambda sql, *p: db.execute(sql, p).fetchone()[0]  # noqa: E731
        admin = one("SELECT id FROM users WHERE login='admin'")
        status_ids = dict(db.execute("SELECT name, id FROM issue_statuses").fetchall())
        priority = one("SELECT id FROM enumerations WHERE type='IssuePriority' AND is_default")
        developer = one("SELECT id FROM roles WHERE name=%s", DEVELOPER)
        db.execute(
            "TRUNCATE projects, issues, issue_categories, members, member_roles, enabled_modules,"
            " projects_trackers, journals, journal_details, watchers, issue_relations,"
            " groups_users, queries, versions RESTART IDENTITY"
        )
        db.execute("DELETE FROM users WHERE type='Group'")
        tracker = db.execute("SELECT id FROM trackers WHERE name=%s", (TRACKER,)).fetchone()
        if tracker is None:
            tracker = db.execute(
                "INSERT INTO trackers (name, position, is_in_roadmap, fields_bits,"
                " default_status_id, description) VALUES (%s, 0, false, 0, %s,"
                " 'Một phân công của theodoi') RETURNING id",
                (TRACKER, status_ids[STATUS_NEW]),
            ).fetchone()
            # Its workflow is the Bug tracker's, so the issues can be edited as usual.
            db.execute(
                "INSERT INTO workflows (tracker_id, old_status_id, new_status_id, role_id,"
                " assignee, author, type, field_name, rule) SELECT %s, old_status_id,"
                " new_status_id, role_id, assignee, author, type, field_name, rule"
                " FROM workflows WHERE tracker_id=(SELECT min(id) FROM trackers WHERE id<>%s)",
                (tracker[0], tracker[0]),
            )
        tracker_id = tracker[0]

        programs = theodoi["programs"]
        bounds = _nested_set(programs)
        ids = {p[0] for p in programs}
        with db.cursor().copy(
            "COPY projects (id, name, description, is_public, parent_id, created_on, updated_on,"
            " identifier, status, lft, rgt, inherit_members) FROM STDIN"
        ) as copy:
            for pk, parent, name, title in programs:
                left, right = bounds[pk]
                copy.write_row(
                    (
                        pk,
                        name,
                        title,
                        True,
                        parent if parent in ids else None,
                        now,
                        now,
                        f"p{pk}",
                        1,
                        left,
                        right,
                        False,
                    )
                )
        with db.cursor().copy("COPY enabled_modules (project_id, name) FROM STDIN") as copy:
            for pk, *_rest in programs:
                copy.write_row((pk, "issue_tracking"))
        with db.cursor().copy("COPY projects_trackers (project_id, tracker_id) FROM STDIN") as c:
            for pk, *_rest in programs:
                c.write_row((pk, tracker_id))

        # One group per body, named as theodoi names it (made unique: Redmine requires it).
        seen: Counter = Counter(name for _code, name in theodoi["bodies"].values())
        group_ids, group_names = {}, {}
        first_group = one("SELECT coalesce(max(id), 0) + 1 FROM users")
        with db.cursor().copy(
            "COPY users (id, login, hashed_password, firstname, lastname, admin, status,"
            " created_on, updated_on, type, mail_notification, must_change_passwd) FROM STDIN"
        ) as copy:
            for n, (pk, (code, name)) in enumerate(sorted(theodoi["bodies"].items())):
                label = nfc(name if seen[name] == 1 else f"{name} ({code})", 255)
                group_ids[pk], group_names[code] = first_group + n, label
                copy.write_row(
                    (first_group + n, "", "", "", label, False, 1, now, now, "Group", "", False)
                )

        categories: dict[tuple[int, str], int] = {}
        members: set[tuple[int, int]] = set()
        for issue in theodoi["issues"]:
            members.add((issue["program"], group_ids[issue["body"]]))
            if issue["area"] is not None:
                categories.setdefault((issue["program"], issue["area"][0]), len(categories) + 1)
        area_names = {
            (i["program"], i["area"][0]): i["area"][1] for i in theodoi["issues"] if i["area"]
        }
        with db.cursor().copy("COPY issue_categories (id, project_id, name) FROM STDIN") as c:
            for (program, number), pk in categories.items():
                c.write_row((pk, program, category_name(number, area_names[program, number])))
        with db.cursor().copy(
            "COPY members (id, user_id, project_id, created_on, mail_notification) FROM STDIN"
        ) as copy:
            for pk, (project, group) in enumerate(sorted(members), start=1):
                copy.write_row((pk, group, project, now, False))
        with db.cursor().copy("COPY member_roles (member_id, role_id) FROM STDIN") as copy:
            for pk in range(1, len(members) + 1):
                copy.write_row((pk, developer))

        with db.cursor().copy(
            "COPY issues (id, tracker_id, project_id, subject, description, due_date,"
            " category_id, status_id, assigned_to_id, priority_id, author_id, lock_version,"
            " created_on, updated_on, done_ratio, root_id, lft, rgt, is_private, closed_on)"
            " FROM STDIN"
        ) as copy:
            for pk, i in enumerate(theodoi["issues"], start=1):
                closed = i["status"] in (STATUS_CLOSED, STATUS_REJECTED)
                category = categories.get((i["program"], i["area"][0])) if i["area"] else None
                copy.write_row(
                    (
                        pk,
                        tracker_id,
                        i["program"],
                        i["subject"],
                        i["description"],
                        i["due"],
                        category,
                        status_ids[i["status"]],
                        group_ids[i["body"]],
                        priority,
                        admin,
                        0,
                        now,
                        now,
                        i["done_ratio"],
                        pk,
                        1,
                        2,
                        False,
                        now if closed else None,
                    )
                )
        for table in (
            "projects",
            "issues",
            "issue_categories",
            "members",
            "member_roles",
            "users",
            "enabled_modules",
        ):
            db.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f" (SELECT coalesce(max(id), 1) FROM {table}))"
            )
        # Which theodoi data Redmine now holds, so --compare refuses to compare other data.
        db.execute("CREATE TABLE IF NOT EXISTS bench_source (data_dir text, loaded_at text)")
        db.execute("DELETE FROM bench_source")
        db.execute("INSERT INTO bench_source VALUES (%s, %s)", (str(data_dir.resolve()), now))
        db.execute("ANALYZE")
    expected = expectations(theodoi, group_names, today)
    (data_dir / "redmine-expected.json").write_text(
        json.dumps(expected, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    print(f"projects={len(programs)}")
    print(f"groups={len(group_ids)}")
    print(f"issues={len(theodoi['issues'])}")
    print(f"occurrences={sum(i['occurrences'] for i in theodoi['issues'])}")
    print(f"read_theodoi_s={read_s:.1f}")
    print(f"load_total_s={time.perf_counter() - started:.1f}")


def category_name(number: str, title: str) -> str:
    """Redmine's category names are at most 60 characters: the number, then the title."""
    return nfc(f"{number}. {title}" if title else number, 60)


def expectations(theodoi: dict, group_names: dict[str, str], today: dt.date) -> dict:
    """What each Redmine question should answer for each program, from the loader's reading
    of theodoi: overdue issues per group, issues per category (and open/closed)."""
    codes = {pk: code for pk, (code, _name) in theodoi["bodies"].items()}
    out: dict[str, dict] = {}
    for i in theodoi["issues"]:
        entry = out.setdefault(
            str(i["program"]), {"overdue_by_group": Counter(), "by_category": {}, "issues": 0}
        )
        entry["issues"] += 1
        if i["overdue"]:
            entry["overdue_by_group"][group_names[codes[i["body"]]]] += 1
        if i["area"]:
            row = entry["by_category"].setdefault(
                category_name(*i["area"]), {"key": i["area"][0], "total": 0, "open": 0}
            )
            row["total"] += 1
            row["open"] += i["status"] not in (STATUS_CLOSED, STATUS_REJECTED)
    return {"today": today.isoformat(), "codes": group_names, "programs": out}


# --- Compare: both servers, the same client, the same questions -----------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, log: Path, seconds: float = 180) -> None:
    import requests

    until = time.monotonic() + seconds
    while time.monotonic() < until:
        if process.poll() is not None:
            sys.exit(f"{url}: the server stopped (see {log})")
        try:
            requests.get(url, timeout=5, allow_redirects=False)
            return
        except requests.RequestException:
            time.sleep(0.5)
    sys.exit(f"{url}: no answer after {seconds:.0f} s (see {log})")


def start(command: list[str], env: dict, log: Path, cwd: Path | None = None) -> subprocess.Popen:
    handle = log.open("wb")
    return subprocess.Popen(
        command, env=env, cwd=cwd, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )


def stop(process: subprocess.Popen) -> None:
    """Stop a server we started, with all its workers (its own process group)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


GROUP_ROW = re.compile(
    r'<tr class="group[^"]*">.*?<span class="name">(.*?)</span>.*?'
    r'<span class="badge badge-count count">(\d+)</span>',
    re.S,
)
ISSUE_COUNT = re.compile(r'<span class="items">\((\d+)-(\d+)/(\d+)\)</span>')
REPORT_ROW = re.compile(r'<td class="name">\s*<a href="[^"]*">(.*?)</a>\s*</td>(.*?)</tr>', re.S)
CELL = re.compile(r"<td[^>]*>(?:<a[^>]*>)?\s*(\d+|-)\s*(?:</a>)?\s*</td>", re.S)
BODY_OVERDUE = re.compile(r'body=([^&"]+)&(?:amp;)?status=open_overdue[^"]*">(\d+)</a>')
AREA_ROW = re.compile(
    r'area=(\d+)&(?:amp;)?as_of=[^"]*">([^<]*?)\. [^<]*</a></td>\s*<td class="num">(\d+)</td>'
)


def redmine_overdue_paths(project: str, day: dt.date, *, tree: bool, pages: int = 1) -> list:
    """The issue list a person opens for overdue work by body: open, due before ``day``,
    grouped by assignee; ``tree`` False keeps the subprojects out (theodoi's dashboard counts
    the program's own tasks; its lower programs are in a table of their own)."""
    yesterday = (day - dt.timedelta(days=1)).isoformat()
    query = (
        f"/projects/{project}/issues?set_filter=1&status_id=o&due_date=%3C%3D{yesterday}"
        f"&group_by=assigned_to&per_page={PER_PAGE}&sort=due_date,id"
    )
    if not tree:
        query += "&subproject_id=%21%2A"
    return [query + (f"&page={n}" if n > 1 else "") for n in range(1, pages + 1)]


def compare(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(HERE))
    from httpclient import Client, emit, measure

    data_dir = Path(args.data_dir)
    info = manifest(data_dir)
    expected_path = data_dir / "redmine-expected.json"
    if not expected_path.exists():
        sys.exit(f"{expected_path} is missing: run --load first")
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    today = dt.date.fromisoformat(info["today"])
    program = info["provinces"][0]["program"]
    project = f"p{program}"
    want = expected["programs"].get(str(program))
    if want is None:
        sys.exit(f"program {program} has no issues in Redmine: run --load on this data")
    if expected["today"] != info["today"]:
        sys.exit("the manifest's today changed since --load: load again")
    import psycopg

    with psycopg.connect(redmine_dsn(args)) as db:
        try:
            source = db.execute("SELECT data_dir FROM bench_source").fetchone()
        except psycopg.errors.UndefinedTable:
            source = None
    if source is None or source[0] != str(data_dir.resolve()):
        sys.exit(f"Redmine holds {source[0] if source else 'nothing'}: run --load on {data_dir}")
    log_dir = Path(args.log_dir)
    log_dir.mkdir(parents=True, exist_ok=True)
    servers: list[subprocess.Popen] = []
    try:
        redmine_url = f"http://127.0.0.1:{free_port()}"
        env = {**redmine_env(args.instance), "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        command = [
            "puma",
            "-e",
            "production",
            "-b",
            f"tcp://{redmine_url[7:]}",
            "-w",
            str(args.workers),
            "-t",
            f"{args.threads}:{args.threads}",
            "config.ru",
        ]
        if os.geteuid() == 0:  # as Debian's README asks: the web server runs as www-data
            command = ["runuser", "-u", "www-data", "--", "env", *_env_args(env), *command]
        servers.append(start(command, env, log_dir / "redmine.log", cwd=REDMINE_ROOT))
        theodoi_url = args.theodoi_url
        if not theodoi_url:
            theodoi_url = f"http://127.0.0.1:{free_port()}"
            servers.append(
                start(
                    [
                        sys.executable,
                        "-m",
                        "theodoi.cli",
                        "serve",
                        "--bind",
                        theodoi_url[7:],
                        "--workers",
                        str(args.workers),
                    ],
                    theodoi_env(data_dir),
                    log_dir / "theodoi.log",
                )
            )
            wait_for(theodoi_url + "/login/", servers[-1], log_dir / "theodoi.log")
        wait_for(redmine_url + "/login", servers[0], log_dir / "redmine.log")
        emit("program", program)
        emit("load_average_before", " ".join(f"{x:.2f}" for x in os.getloadavg()))
        emit("today", today.isoformat())
        emit("workers", args.workers)

        theo = Client(theodoi_url)
        theo.login_theodoi(info["monitor"], info["password"])
        red = Client(redmine_url)
        login_redmine(red, "admin", args.admin_password)

        board = f"/dashboard/?program={program}&as_of={today:%d/%m/%Y}"
        status, _s, _n = theo.get(board)
        page = theo.last_body.decode("utf-8")
        if status != 200:
            sys.exit(f"theodoi {board}: status {status}")
        theo_bodies = {unescape(c): int(n) for c, n in BODY_OVERDUE.findall(page)}
        theo_areas = {unescape(k): int(n) for _pk, k, n in AREA_ROW.findall(page)}

        # overdue_by_body ----------------------------------------------------------------
        first = redmine_overdue_paths(project, today, tree=False)[0]
        status, _s, _n = red.get(first)
        if status != 200:
            sys.exit(f"redmine {first}: status {status}")
        count = ISSUE_COUNT.search(red.last_body.decode("utf-8"))
        total = int(count.group(3)) if count else 0
        pages = max(1, -(-total // PER_PAGE))
        paths = redmine_overdue_paths(project, today, tree=False, pages=pages)
        groups: dict[str, int] = {}
        for path in paths:
            red.get(path)
            for name, n in GROUP_ROW.findall(red.last_body.decode("utf-8")):
                groups[unescape(re.sub(r"<[^>]+>", "", name)).strip()] = int(n)
        emit("redmine_overdue_by_body_pages", pages)
        emit("redmine_overdue_issues", total)
        emit("theodoi_overdue_occurrences", sum(theo_bodies.values()))
        r = measure_pages(measure, red, paths, args.runs)
        t_board = measure(theo, board, runs=args.runs, expect=b'id="figures"')
        report(emit, "overdue_by_body", r, t_board)
        wanted = {k: v for k, v in want["overdue_by_group"].items()}
        names = expected["codes"]
        theo_named = {names.get(code, code): n for code, n in theo_bodies.items()}
        problems = []
        if groups != wanted:
            problems.append(f"redmine groups {_diff(groups, wanted)} vs the loader's")
        if set(groups) != set(theo_named):
            problems.append(f"bodies with overdue work differ: {_diff_sets(groups, theo_named)}")
        more = [g for g in groups if groups[g] > theo_named.get(g, 0)]
        if more:
            problems.append(f"more overdue issues than theodoi's overdue periods: {more[:3]}")
        emit(
            "agree_overdue_by_body",
            "no (" + "; ".join(problems) + ")"
            if problems
            else f"yes ({len(groups)} bodies with overdue work on both; Redmine {total} overdue "
            f"issues = assignments with an overdue period; theodoi "
            f"{sum(theo_bodies.values())} overdue periods)",
        )

        # overdue_list: the list of overdue work itself, first page on each side -----------
        listing = f"/search/?program={program}&status=open_overdue&as_of={today.isoformat()}"
        r = measure(red, first, runs=args.runs, expect=b'id="query_form"')
        t = measure(theo, listing, runs=args.runs, expect=b'id="occurrences"')
        report(emit, "overdue_list", r, t)
        theo.get(listing)
        found = re.search(rb'data-count="occurrences">(\d+)<', theo.last_body)
        listed = int(found.group(1)) if found else -1
        emit(
            "agree_overdue_list",
            f"yes (theodoi lists {listed} overdue periods, as its dashboard counts; Redmine "
            f"{total} overdue issues, as loaded)"
            if listed == sum(theo_bodies.values()) and total == sum(wanted.values())
            else f"no (theodoi lists {listed}, its dashboard {sum(theo_bodies.values())}; "
            f"Redmine {total}, loaded {sum(wanted.values())})",
        )

        # the same with the subprojects' issues (the province's whole tree) -------------------
        tree_first = redmine_overdue_paths(project, today, tree=True)[0]
        red.get(tree_first)
        count = ISSUE_COUNT.search(red.last_body.decode("utf-8"))
        tree_total = int(count.group(3)) if count else 0
        tree_paths = redmine_overdue_paths(
            project, today, tree=True, pages=max(1, -(-tree_total // PER_PAGE))
        )
        emit("redmine_overdue_by_body_tree_pages", len(tree_paths))
        emit("redmine_overdue_issues_tree", tree_total)
        r_tree = measure_pages(measure, red, tree_paths[: args.max_pages], args.runs)
        if len(tree_paths) > args.max_pages:
            emit(
                "redmine_overdue_by_body_tree_note",
                f"first {args.max_pages} of {len(tree_paths)} pages timed",
            )
        # theodoi has no one page for this (its dashboard counts the program's own work by
        # body and each lower program on a row of its own): Redmine's figures only.
        emit("redmine_overdue_by_body_tree_median_ms", float(r_tree["median_ms"]))
        emit("redmine_overdue_by_body_tree_p95_ms", float(r_tree["p95_ms"]))

        # status_by_area ----------------------------------------------------------------
        summary = f"/projects/{project}/issues/report/category"
        r = measure(red, summary, runs=args.runs, expect=b'class="list issue-report')
        t = measure(theo, board, runs=args.runs, expect=b'id="figures"')
        report(emit, "status_by_area", r, t)
        red.get(summary)
        rows = {}
        for name, cells in REPORT_ROW.findall(red.last_body.decode("utf-8")):
            numbers = [0 if c == "-" else int(c) for c in CELL.findall(cells)]
            if numbers:
                rows[unescape(name).strip()] = numbers
        problems = []
        for name, row in want["by_category"].items():
            got = rows.get(name)
            if got is None or got[-1] != row["total"] or got[-3] != row["open"]:
                problems.append(f"{name}: redmine {got} vs loader {row}")
        keys = {row["key"] for row in want["by_category"].values()}
        if keys != set(theo_areas):
            problems.append(f"areas differ: {sorted(keys ^ set(theo_areas))}")
        emit(
            "agree_status_by_area",
            "no (" + "; ".join(problems[:3]) + ")"
            if problems
            else f"yes ({len(keys)} areas on both; Redmine "
            f"{sum(r['total'] for r in want['by_category'].values())} issues by category and "
            f"status; theodoi {sum(theo_areas.values())} periods by area)",
        )
        emit("load_average_after", " ".join(f"{x:.2f}" for x in os.getloadavg()))
    finally:
        for process in reversed(servers):
            stop(process)


def measure_pages(measure, client, paths: list[str], runs: int) -> dict:
    """A question that takes several pages: each timed ``runs`` times, the medians and 95th
    percentiles added up (the time a person waits for the whole answer)."""
    results = [measure(client, path, runs=runs, expect=b'id="query_form"') for path in paths]
    return {
        "median_ms": sum(r["median_ms"] for r in results),
        "p95_ms": sum(r["p95_ms"] for r in results),
        "errors": sum(r["errors"] for r in results),
        "error": next((r["error"] for r in results if r["error"]), ""),
    }


def report(emit, name: str, redmine: dict, theodoi: dict) -> None:
    for side, result in (("redmine", redmine), ("theodoi", theodoi)):
        emit(f"{side}_{name}_median_ms", float(result["median_ms"]))
        emit(f"{side}_{name}_p95_ms", float(result["p95_ms"]))
        if result["errors"]:
            emit(f"{side}_{name}_errors", f"{result['errors']} ({result['error']})")
    ratio = redmine["median_ms"] / theodoi["median_ms"] if theodoi["median_ms"] else float("nan")
    emit(f"ratio_{name}", f"{ratio:.2f}")


def _diff(got: dict, want: dict) -> str:
    keys = sorted(set(got) | set(want), key=str)
    bad = [f"{k}: {got.get(k)}≠{want.get(k)}" for k in keys if got.get(k) != want.get(k)]
    return f"{len(bad)} differ, e.g. " + ", ".join(bad[:3])


def _diff_sets(a: dict, b: dict) -> str:
    return f"only Redmine {sorted(set(a) - set(b))[:3]}, only theodoi {sorted(set(b) - set(a))[:3]}"


def login_redmine(client, username: str, password: str) -> None:
    """Sign in through Redmine's form (its authenticity token), with the client's session."""
    page = client.session.get(client.url("/login"), timeout=client.timeout)
    token = re.search(r'name="authenticity_token" value="([^"]+)"', page.text)
    if token is None:
        sys.exit("redmine /login: no authenticity token")
    answer = client.session.post(
        client.url("/login"),
        data={
            "authenticity_token": unescape(token.group(1)),
            "username": username,
            "password": password,
            "back_url": client.url("/"),
        },
        allow_redirects=False,
        timeout=client.timeout,
    )
    if answer.status_code != 302 or "/login" in answer.headers.get("Location", ""):
        sys.exit(f"redmine refused {username} (status {answer.status_code}): run --setup")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--setup", action="store_true", help="install and prepare Redmine")
    parser.add_argument("--load", action="store_true", help="copy theodoi's data into Redmine")
    parser.add_argument("--compare", action="store_true", help="time both on the questions")
    parser.add_argument(
        "--data-dir",
        default=os.environ.get("THEODOI_DATA_DIR"),
        help="theodoi's data folder (with generated.json)",
    )
    parser.add_argument("--theodoi-url", help="a running theodoi (else one is started)")
    parser.add_argument("--instance", default="bench", help="Redmine instance name")
    parser.add_argument("--redmine-db", default="redmine_bench")
    parser.add_argument("--pg-host", default="127.0.0.1")
    parser.add_argument("--pg-port", type=int, default=5432)
    parser.add_argument("--pg-user", default="postgres")
    parser.add_argument("--admin-password", default="redmine-bench-2026")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2, help="server processes on each side")
    parser.add_argument("--threads", type=int, default=5, help="puma threads per worker")
    parser.add_argument(
        "--max-pages", type=int, default=30, help="pages of the whole tree's overdue list to time"
    )
    parser.add_argument("--log-dir", default="/tmp/redmine-bench")
    args = parser.parse_args()
    if not (args.setup or args.load or args.compare):
        parser.error("say --setup, --load and/or --compare")
    if (args.load or args.compare) and not args.data_dir:
        parser.error("--data-dir (or THEODOI_DATA_DIR) is needed")
    if args.setup:
        setup(args)
    if args.load:
        load(args)
    if args.compare:
        compare(args)


if __name__ == "__main__":
    main()
