"""Web benchmark: the pages people wait for, timed from a separate client process against
`theodoi serve` (started here on a free port of 127.0.0.1, or `--url` of a running server), on
the data `theodoi generate` made (its manifest generated.json names the accounts, programs,
tasks and search words). Prints `name=value` lines, then whether each goal is met.

    .venv/bin/theodoi generate --scale province --seed 1      # THEODOI_DATA_DIR=/tmp/x
    .venv/bin/python bench/web.py --data-dir /tmp/x --label province-sqlite

Exit status 0 even when a goal is missed (it measures, it does not gate); 1 on any failed
request (an HTTP error, a wrong page, a refused sign-in): an error is a fault.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from httpclient import Client, SignInError, emit, measure, measure_many, throughput

# What shows that a response is the page asked for, not a fast error page (attributes of the
# templates, not translated words, so the interface language does not matter).
MARKERS = {
    "dashboard": b'id="figures"',  # the figure cards: a program was found and counted
    "worklist": b'class="work-filter"',
    "task": b'class="panel task-text-full"',
    "search": b'id="occurrences"',  # the results (absent when the form refused the query)
    "national": b'id="national"',  # the table of programs (absent when none is counted)
    "xlsx": b"PK\x03\x04",  # a zip file: the XLSX container
}
# Goals: (line, measured name, limit, "<" for below, ">=" for at least).
GOALS = [
    ("dashboard", "dashboard_p95_ms", 150.0, "<"),
    ("worklist", "worklist_p95_ms", 50.0, "<"),
    ("national", "national_p95_ms", 500.0, "<"),
    ("xlsx", "xlsx_seconds", 5.0, "<"),
    ("worklist_rps", "worklist_rps", 200.0, ">="),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(options: argparse.Namespace) -> tuple[subprocess.Popen, str]:
    """`theodoi serve` on a free port, with the data folder and database given."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "theodoi.settings",
        "THEODOI_DATA_DIR": str(options.data_dir),
        "THEODOI_HTTPS": "0",  # plain HTTP on 127.0.0.1: no redirect to HTTPS
        "THEODOI_SECRET_KEY": os.environ.get(
            "THEODOI_SECRET_KEY", "theodoi-web-bench-key-" + "x" * 40
        ),
    }
    if options.database_url:
        env["DATABASE_URL"] = options.database_url
    else:
        env.pop("DATABASE_URL", None)  # the folder's SQLite
    port = free_port()
    command = [sys.executable, "-m", "theodoi.cli", "serve", "--bind", f"127.0.0.1:{port}"]
    log = (options.data_dir / "web-serve.log").open("ab")  # the server's own lines, kept aside
    server = subprocess.Popen(
        [*command, *(["--workers", str(options.workers)] if options.workers else [])],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    return server, f"http://127.0.0.1:{port}/"


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def wait_until_up(url: str, server: subprocess.Popen | None, seconds: float = 600) -> None:
    """Until /login/ answers 200 (a first start checks and prepares the database: slow)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server is not None and server.poll() is not None:
            raise SystemExit(f"theodoi serve stopped (exit {server.returncode}); see web-serve.log")
        try:
            with urllib.request.urlopen(url + "login/", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"theodoi serve did not answer at {url} within {seconds:.0f} s")


class Bench:
    """The measurements of one run; `figures` keeps what was printed, `faults` the errors."""

    def __init__(self, url: str, manifest: dict, options: argparse.Namespace) -> None:
        self.url, self.manifest, self.options = url, manifest, options
        self.figures: dict[str, float] = {}
        self.faults: list[str] = []

    def emit(self, name: str, value: object) -> None:
        if isinstance(value, int | float):
            self.figures[name] = value
        emit(f"{self.options.label}_{name}" if self.options.label else name, value)

    def client(self, username: str) -> Client:
        client = Client(self.url)
        client.login_theodoi(username, self.manifest["password"])
        return client

    def record(self, name: str, result: dict) -> None:
        """median and p95 lines; errors counted as faults (with the first one shown)."""
        self.emit(f"{name}_median_ms", result["median_ms"])
        self.emit(f"{name}_p95_ms", result["p95_ms"])
        if result["errors"]:
            self.emit(f"{name}_errors", result["errors"])
            self.emit(f"{name}_error", result["error"])
            self.faults.append(f"{name}: {result['errors']} errors, first: {result['error']}")

    def run(self) -> None:
        m, o = self.manifest, self.options
        as_of = m["as_of"]
        office = self.client(m["monitor"])
        provinces = m["provinces"]

        dashboards = [
            "/dashboard/?" + urlencode({"program": p["program"], "as_of": as_of}) for p in provinces
        ]
        # The first view of each province computes its figures (the roll-ups are kept until
        # the data changes): timed on its own, then the views people get afterwards.
        self.record(
            "dashboard_cold",
            measure(office, dashboards, runs=len(dashboards), warmup=0,
                    expect=MARKERS["dashboard"]),
        )  # fmt: skip
        self.record(
            "dashboard",
            measure(office, dashboards, runs=o.runs, warmup=0, expect=MARKERS["dashboard"]),
        )

        staff = self.staff_clients()
        pairs = [(client, "/work/") for client in staff]
        # Likewise a person's first view of their work list renders it (kept until their
        # body's work changes): one per account, timed on its own.
        first = list({client.username: (client, "/work/") for client in staff}.values())
        self.record(
            "worklist_cold",
            measure_many(first, runs=len(first), warmup=0, expect=MARKERS["worklist"]),
        )
        self.record("worklist", measure_many(pairs, runs=o.runs, expect=MARKERS["worklist"]))

        tasks = [f"/tasks/{task}/" for task in m["tasks"]]
        self.record("task", measure(office, tasks, runs=o.runs, expect=MARKERS["task"]))

        searches = ["/search/?" + urlencode({"q": q}) for q in m["search"]]
        self.record("search", measure(office, searches, runs=o.runs, expect=MARKERS["search"]))

        self.national(office, as_of)

        period = urlencode({"program": provinces[0]["program"], "period": m["quarter"]})
        xlsx = measure(
            office, f"/reports/?{period}&format=xlsx", runs=3, warmup=0, expect=MARKERS["xlsx"]
        )
        self.emit("xlsx_seconds", xlsx["median_ms"] / 1000)
        if xlsx["errors"]:
            self.emit("xlsx_error", xlsx["error"])
            self.faults.append(f"xlsx: {xlsx['error']}")

        people = iter(staff)
        load = throughput(
            lambda: next(people),
            ["/work/"],
            clients=len(staff),
            seconds=o.seconds,
            expect=MARKERS["worklist"],
            processes=o.processes,
        )
        self.emit("worklist_clients", len(staff))
        self.emit("worklist_rps", load["rps"])
        self.emit("worklist_errors", load["errors"])
        self.emit("worklist_load_median_ms", load["median_ms"])
        self.emit("worklist_load_p95_ms", load["p95_ms"])
        self.emit("worklist_client_cpu_pct", 100 * load["client_cpu"])
        if load["errors"]:
            self.emit("worklist_error", load["error"])
            self.faults.append(f"worklist under load: {load['errors']} errors: {load['error']}")

    def staff_clients(self) -> list[Client]:
        """`--clients` sessions, each signed in as a different staff account (accounts reused
        only when the manifest has fewer); signed in four at a time."""
        names = self.manifest["staff"]
        if not names:
            raise SystemExit("generated.json names no staff account")
        chosen = list(itertools.islice(itertools.cycle(names), self.options.clients))
        if len(names) < len(chosen):
            print(f"# only {len(names)} staff accounts: some sign in twice", flush=True)
        with ThreadPoolExecutor(4) as pool:
            return list(pool.map(self.client, chosen))

    def national(self, office: Client, as_of: str) -> None:
        """The national overview; a 404 (not built yet) is reported and skipped."""
        path = "/national/?" + urlencode({"as_of": as_of})
        status, seconds, _size = office.get(path)
        if status == 404:
            self.emit("national_error", "404 (no national overview on this server)")
            return
        self.emit("national_cold_ms", seconds * 1000)  # every program's tally computed
        self.record("national", measure(office, path, runs=self.options.runs,
                                        expect=MARKERS["national"]))  # fmt: skip

    def goals(self) -> None:
        for line, name, limit, sense in GOALS:
            value = self.figures.get(name)
            met = value is not None and (value < limit if sense == "<" else value >= limit)
            if line == "worklist_rps":
                met = met and self.figures.get("worklist_errors") == 0
            self.emit(f"goal_{line}", "met" if met else "missed")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="where generated.json is")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                        help="default: DATABASE_URL, else the data folder's SQLite")  # fmt: skip
    parser.add_argument("--url", help="a server already running (not started here)")
    parser.add_argument("--workers", type=int,
                        help="gunicorn processes (default: theodoi serve's own, CPUs + 1)")  # fmt: skip
    parser.add_argument("--runs", type=int, default=30, help="timed requests per page")
    parser.add_argument("--clients", type=int, default=16, help="people at once (throughput)")
    parser.add_argument("--seconds", type=float, default=20, help="length of the throughput run")
    parser.add_argument("--processes", type=int, default=2,
                        help="client processes for the throughput run (threads inside)")  # fmt: skip
    parser.add_argument("--label", default="", help="prefix of the names (province-sqlite …)")
    options = parser.parse_args()
    options.data_dir = options.data_dir.resolve()
    manifest_path = options.data_dir / "generated.json"
    if not manifest_path.exists():
        raise SystemExit(f"{manifest_path} not found: run `theodoi generate` first")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))

    # Stop the server on SIGTERM as on Ctrl-C: both unwind through `finally`.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    server = None
    try:
        if options.url:
            url = options.url.rstrip("/") + "/"
        else:
            server, url = start_server(options)
        started = time.monotonic()
        wait_until_up(url, server)
        bench = Bench(url, manifest, options)
        if server is not None:
            bench.emit("server_start_seconds", time.monotonic() - started)
        bench.emit("scale", manifest.get("scale", "?"))
        database = (options.database_url or "sqlite").split(":", 1)[0]
        bench.emit("database", "(server's own)" if options.url else database)
        bench.emit("cpus", os.cpu_count())
        if server is not None:
            bench.emit(
                "workers", options.workers or f"{(os.cpu_count() or 1) + 1} (serve's default)"
            )
        bench.emit("loadavg_start", os.getloadavg()[0])
        try:
            bench.run()
        except SignInError as error:
            bench.faults.append(f"sign-in: {error}")
            bench.emit("signin_error", str(error))
        except requests.RequestException as error:  # the server went away, say
            bench.faults.append(f"request: {type(error).__name__}: {error}")
            bench.emit("request_error", f"{type(error).__name__}: {error}")
        bench.emit("loadavg_end", os.getloadavg()[0])
        bench.goals()
    finally:
        if server is not None:
            stop_server(server)
    if bench.faults:
        print("FAULTS:\n  " + "\n  ".join(bench.faults), file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
