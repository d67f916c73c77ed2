"""Load test: the demo served by `theodoi serve` (gunicorn), used by people of several bodies at
once (locust, headless, bounded in time). Prints requests, failures, median and 95th
percentile per kind of request and requests per second; exits 1 on any failed request or 5xx.

    .venv/bin/pip install -e '.[bench]'   # locust
    .venv/bin/python bench/load.py --users 20 --spawn-rate 5 --time 60s

The data folder (default /tmp/theodoi-load) is made with `theodoi demo --no-serve
--with-history` on the first run and reused after; the load test adds an account for the head
and the staff of the bodies that lead the most tasks (password in the plan file beside it).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
PASSWORD = "kiem-thu-tai-2025"
BODIES = 6  # bodies whose head and staff take part


def theodoi(*args: str) -> list[str]:
    return [sys.executable, "-m", "theodoi.cli", *args]


def prepare(data: Path, env: dict, *, reuse: bool = False) -> Path:
    """The demo data (once), the load-test accounts and the plan file the locustfile reads;
    ``reuse``: a folder prepared by an earlier run is used as it is."""
    plan = data / "load-plan.json"
    if reuse and plan.exists():
        return plan
    if not (data / "theodoi.sqlite3").exists() and not env.get("DATABASE_URL"):
        print(f"Preparing the demo in {data} (a few minutes the first time)…", flush=True)
    subprocess.run(
        theodoi("demo", "--no-serve", "--with-history", "--data-dir", str(data)),
        env=env, check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    subprocess.run([sys.executable, __file__, "--write-plan", str(plan)], env=env, check=True)
    return plan


def write_plan(path: Path) -> None:
    """(In a process with Django set up on the data folder.) Accounts for the head and staff
    of the bodies leading the most tasks, and the open occurrences each may report on."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db.models import Count
    from django.utils import timezone

    from theodoi.orgs.models import Organization
    from theodoi.tracking.models import Membership, ReportStatus, Role
    from theodoi.tracking.worklist import work_items

    bodies = (
        Organization.objects.annotate(led=Count("led_tasks"))
        .filter(led__gt=0)
        .order_by("-led", "code")[:BODIES]
    )
    today = timezone.localdate()
    people = []
    for number, body in enumerate(bodies, start=1):
        for role in (Role.HEAD, Role.STAFF):
            username = f"tai{number}-{role}"
            user, _made = get_user_model().objects.get_or_create(username=username)
            user.set_password(PASSWORD)
            user.save()
            Membership.objects.update_or_create(
                user=user, defaults={"organization": body, "role": role}
            )
            items = work_items(user, as_of=today, show="open")
            editable = [
                item.occurrence.pk
                for item in items
                if item.report is None
                or item.report.status in {ReportStatus.DRAFT, ReportStatus.RETURNED}
            ]
            people.append(
                {
                    "username": username,
                    "body": body.code,
                    "occurrences": editable,
                    "tasks": sorted({item.occurrence.assignment.task_id for item in items}),
                }
            )
    # Head and staff of one body share its list: each gets every other occurrence.
    for head, staff in zip(people[::2], people[1::2], strict=True):
        head["occurrences"], staff["occurrences"] = (
            head["occurrences"][::2],
            staff["occurrences"][1::2],
        )
    people = [p for p in people if p["occurrences"] and p["tasks"]]
    # The office that follows the program and a leader read the dashboard and task pages.
    office = []
    every_task = sorted({t for p in people for t in p["tasks"]})
    for username, code, role in (
        ("tai-vanphong", "qn.vptu", Role.MONITOR),
        ("tai-lanhdao", "qn.btv", Role.LEADER),
    ):
        user, _made = get_user_model().objects.get_or_create(username=username)
        user.set_password(PASSWORD)
        user.save()
        Membership.objects.update_or_create(
            user=user,
            defaults={"organization": Organization.objects.get(code=code), "role": role},
        )
        office.append({"username": username, "body": code, "tasks": every_task})
    path.write_text(
        json.dumps(
            {"password": PASSWORD, "people": people, "office": office, "users": 0}, indent=1
        ),
        encoding="utf-8",
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, server: subprocess.Popen, seconds: float = 600) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"theodoi serve stopped (exit {server.returncode})")
        try:
            with urllib.request.urlopen(url + "login/", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"theodoi serve did not answer at {url} within {seconds:.0f} s")


def report(stats_csv: Path, seconds: float) -> int:
    """The figures, one line per kind of request; the number of failed requests."""
    rows = list(csv.DictReader(stats_csv.open(encoding="utf-8")))
    print(f"\n{'request':<28}{'count':>7}{'failed':>8}{'median ms':>11}{'p95 ms':>9}{'req/s':>8}")
    failed = 0
    for row in rows:
        name = row["Name"] if row["Name"] != "Aggregated" else "all requests"
        print(
            f"{name:<28}{row['Request Count']:>7}{row['Failure Count']:>8}"
            f"{float(row['Median Response Time']):>11.0f}{row['95%']:>9}"
            f"{float(row['Requests/s']):>8.1f}"
        )
        if row["Name"] == "Aggregated":
            failed = int(row["Failure Count"])
    return failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="/tmp/theodoi-load", type=Path)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--spawn-rate", type=float, default=5)
    parser.add_argument("--time", default="60s", help="how long (locust syntax: 60s, 5m)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn processes")
    parser.add_argument(
        "--reuse", action="store_true", help="use the data folder of an earlier run as it is"
    )
    parser.add_argument("--write-plan", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.write_plan:
        write_plan(options.write_plan)
        return 0
    locust = shutil.which("locust", path=str(Path(sys.executable).parent)) or shutil.which("locust")
    if locust is None:
        raise SystemExit("locust is not installed: pip install -e '.[bench]'")

    data = options.data_dir.resolve()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "theodoi.settings",
        "THEODOI_DATA_DIR": str(data),
        # Plain HTTP on 127.0.0.1: no redirect to HTTPS, cookies without the Secure flag.
        "THEODOI_HTTPS": "0",
        "THEODOI_SECRET_KEY": os.environ.get(
            "THEODOI_SECRET_KEY", "theodoi-load-test-key-" + "x" * 40
        ),
    }
    plan = prepare(data, env, reuse=options.reuse)
    content = json.loads(plan.read_text(encoding="utf-8"))
    content["users"] = options.users
    plan.write_text(json.dumps(content), encoding="utf-8")
    bodies = sorted({p["body"] for p in content["people"]})
    print(f"{len(content['people'])} accounts of {len(bodies)} bodies: {', '.join(bodies)}")

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    server = subprocess.Popen(
        theodoi("serve", "--bind", f"127.0.0.1:{port}", "--workers", str(options.workers)),
        env=env, stdout=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        wait_until_up(url, server)
        prefix = data / "load"
        started = time.monotonic()
        result = subprocess.run(
            [
                locust, "-f", str(HERE / "locustfile.py"), "--headless",
                "-u", str(options.users), "-r", str(options.spawn_rate), "-t", options.time,
                "--host", url.rstrip("/"), "--csv", str(prefix), "--only-summary",
                "--stop-timeout", "10",
            ],
            env={**env, "THEODOI_LOAD_PLAN": str(plan)},
        )  # fmt: skip
        seconds = time.monotonic() - started
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    failed = report(Path(f"{prefix}_stats.csv"), seconds)
    errors = Path(f"{prefix}_failures.csv")
    if failed:
        print(f"\n{failed} failed requests (details: {errors}):")
        print(errors.read_text(encoding="utf-8"))
    if failed or result.returncode:
        print(f"Load average of the machine after the run: {os.getloadavg()[0]:.1f}")
        print("LOAD TEST FAILED")
        return 1
    print(
        f"\nLoad average of the machine after the run: {os.getloadavg()[0]:.1f} ({os.cpu_count()} CPUs)"
    )
    print("No failed request, no server error.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
