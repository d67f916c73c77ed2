"""Reminder benchmark: `theodoi remind --today DAY` on the data `theodoi generate` made, timed
as cron runs it, mailing a real SMTP server on a free port of 127.0.0.1 that keeps nothing.
Prints `name=value` lines: seconds, notices stored, mails sent, the phases the command reports,
the CPU that went to the reminder processes, PostgreSQL and the mail server.

    .venv/bin/python bench/remind.py --day 2023-07-03 --data-dir /tmp/x \\
        --database-url postgresql://postgres@127.0.0.1:5432/theodoi_national

The mail server is Postfix's `smtp-sink` (a small C server made for this; `--setup`, as root,
installs Debian's postfix package for it), else aiosmtpd's Sink in a Python process of its own,
which costs far more CPU on the same machine; the `sink` line says which ran. A run records
what it sent, so a day can be measured once; `--fresh` first deletes the day's notifications
and digests from the database (a benchmark database only!) so the same day can be measured
again. Exit status 1 when a run failed (exit status not 0, mail left unsent, or the server's
count of mails not the runs' count).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from subprocess import PIPE

SMTP_SINK = "/usr/sbin/smtp-sink"
FRESH = """
import datetime as dt
from theodoi.tracking.models import Digest, Notification
day = dt.date.fromisoformat({day!r})
notices = Notification.objects.filter(day=day).delete()[0]
Notification.objects.filter(digest__day=day).update(digest=None)  # earlier days' unsent ones
print(notices, Digest.objects.filter(day=day).delete()[0])
"""


def emit(name: str, value: object) -> None:
    """One `name=value` line (floats with one decimal), flushed at once."""
    if isinstance(value, float):
        value = f"{value:.1f}"
    print(f"{name}={value}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def setup() -> None:
    """Install Postfix (for its smtp-sink) from Debian; the Postfix service is not started."""
    if os.geteuid() != 0:
        sys.exit("--setup installs a Debian package: run it as root")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], env=env, check=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "postfix"], env=env, check=True)


class Sink:
    """The SMTP server the reminders go to: smtp-sink when installed (or asked), else aiosmtpd's
    Sink. ``cpu_seconds()`` is what it has used so far; ``messages()`` what it counted (smtp-sink
    only, else None)."""

    def __init__(self, choice: str) -> None:
        self.port = free_port()
        if choice == "auto":
            choice = "smtp-sink" if Path(SMTP_SINK).exists() else "aiosmtpd"
        if choice == "smtp-sink" and not Path(SMTP_SINK).exists():
            sys.exit(f"{SMTP_SINK} not found: run with --setup as root (apt-get install postfix)")
        self.name = choice
        if choice == "smtp-sink":
            # -c counts (written to stdout); 1000: the listen backlog, many sessions at once.
            command = [SMTP_SINK, "-c", "-u", "nobody", f"127.0.0.1:{self.port}", "1000"]
        else:
            listen = f"127.0.0.1:{self.port}"
            command = [sys.executable, "-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Sink"]
            command += ["-l", listen]
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE if choice == "smtp-sink" else subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.counters = b""
        if self.process.stdout is not None:
            threading.Thread(target=self._read, daemon=True).start()
        self._wait_until_up()

    def _read(self) -> None:
        for chunk in iter(lambda: self.process.stdout.read1(4096), b""):
            self.counters = (self.counters + chunk)[-200:]

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"the SMTP server ({self.name}) stopped at once")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        sys.exit(f"the SMTP server ({self.name}) did not answer on port {self.port}")

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.process.pid)

    def messages(self) -> int | None:
        found = re.findall(rb"mesg=(\d+)", self.counters)
        return int(found[-1]) if found else (0 if self.name == "smtp-sink" else None)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def cpu_seconds(pid: int) -> float:
    """User and system CPU of a live process, from /proc (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class DatabaseCPU:
    """The CPU of the PostgreSQL backends serving one database on this machine, sampled while
    the runs last (a backend ends with its client, so its last sample is what it used)."""

    def __init__(self, database: str) -> None:
        self.marker = f" {database} ".encode()
        self.seen: dict[int, float] = {}
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._poll, daemon=True)
        self.thread.start()

    def _poll(self) -> None:
        while not self.stopped.wait(0.2):
            for entry in os.scandir("/proc"):
                if not entry.name.isdigit():
                    continue
                try:
                    command = Path(entry.path, "cmdline").read_bytes()
                except OSError:
                    continue
                if command.startswith(b"postgres: ") and self.marker in command:
                    pid = int(entry.name)
                    self.seen[pid] = max(self.seen.get(pid, 0.0), cpu_seconds(pid))

    def stop(self) -> float:
        self.stopped.set()
        self.thread.join()
        return sum(self.seen.values())


PHASES = re.compile(r"Thời gian: (.*)")
PHASE = re.compile(r"([\w ]+?) ([\d.]+) giây")
NAMES = {"thu thập": "collect", "gửi thư": "send", "tất cả": "total"}


def run(options: argparse.Namespace) -> int:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "theodoi.settings",
        "THEODOI_DATA_DIR": str(options.data_dir),
        "THEODOI_HTTPS": "0",
        "THEODOI_SECRET_KEY": os.environ.get(
            "THEODOI_SECRET_KEY", "theodoi-remind-bench-key-" + "x" * 40
        ),
        "THEODOI_EMAIL_HOST": "127.0.0.1",
        "THEODOI_EMAIL_TLS": "0",
        "THEODOI_EMAIL_SSL": "0",
    }
    env.pop("THEODOI_EMAIL_BACKEND", None)
    if options.database_url:
        env["DATABASE_URL"] = options.database_url
    else:
        env.pop("DATABASE_URL", None)  # the folder's SQLite
    theodoi = [sys.executable, "-m", "theodoi.cli"]
    if options.fresh:
        code = FRESH.format(day=options.day.isoformat())
        done = subprocess.run([*theodoi, "shell", "-c", code], env=env, capture_output=True,
                              text=True)  # fmt: skip
        if done.returncode:
            sys.exit(f"--fresh failed: {done.stderr.strip()}")
        notices, digests = done.stdout.split()[-2:]
        emit("fresh_deleted_notices", int(notices))
        emit("fresh_deleted_digests", int(digests))

    sink = Sink(options.sink)
    env["THEODOI_EMAIL_PORT"] = str(sink.port)
    database = (options.database_url or "sqlite").split(":", 1)[0]
    watch = None
    if database.startswith("postgres"):
        watch = DatabaseCPU(options.database_url.rsplit("/", 1)[1].split("?")[0])
    emit("day", f"{options.day.isoformat()} ({options.day:%A})")
    emit("database", database)
    emit("sink", sink.name)
    emit("processes", options.processes)
    emit("cpus", os.cpu_count())
    emit("loadavg_start", os.getloadavg()[0])
    command = [*theodoi, "remind", "--today", options.day.isoformat(), "--verbosity", "2"]
    failed = False
    try:
        before = os.times()
        started = time.monotonic()
        runs = [
            subprocess.Popen(command, env=env, stdout=PIPE, stderr=PIPE, text=True)
            for _ in range(options.processes)
        ]
        outputs = [run.communicate() for run in runs]
        seconds = time.monotonic() - started
        after = os.times()
        sink_cpu = sink.cpu_seconds()
    finally:
        database_cpu = watch.stop() if watch else None
        time.sleep(0.3)  # the sink's last counters
        received = sink.messages()
        sink.stop()
    emit("seconds", seconds)
    notices = sent = 0
    for n, (run, (out, err)) in enumerate(zip(runs, outputs, strict=True), start=1):
        prefix = f"process{n}_" if options.processes > 1 else ""
        made = re.search(r"(\d+) thông báo mới; (\d+) thư đã gửi; (\d+) thư chưa gửi", out)
        if made:
            # Runs at once each count the notices they found new; the database kept one each.
            notices = max(notices, int(made[1]))
            sent += int(made[2])
            if int(made[3]):
                failed = True
        if options.processes > 1:
            emit(f"{prefix}notices", made[1] if made else "?")
            emit(f"{prefix}mails", made[2] if made else "?")
        phases = PHASES.search(out)
        for name, value in PHASE.findall(phases[1]) if phases else ():
            emit(f"{prefix}{NAMES.get(name.strip(), name.strip())}_seconds", float(value))
        if run.returncode or not made:
            failed = True
            print(f"process {n} exit {run.returncode}:\n{out}{err}", file=sys.stderr)
        elif err.strip():
            print(err.strip(), file=sys.stderr)
    emit("notices", notices)
    emit("mails", sent)
    if received is not None:
        emit("sink_messages", received)
        if received != sent:  # a mail sent twice, or one counted and never sent
            failed = True
            print(f"the server received {received} mails, the runs sent {sent}", file=sys.stderr)
    emit("mails_per_second", sent / seconds if seconds else 0.0)
    remind_cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    emit("remind_cpu_seconds", remind_cpu)
    if database_cpu is not None:
        emit("postgres_cpu_seconds", database_cpu)
    emit("sink_cpu_seconds", sink_cpu)
    emit("loadavg_end", os.getloadavg()[0])
    if failed:
        print("a run failed (see above)", file=sys.stderr)
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--day", type=dt.date.fromisoformat, help="YYYY-MM-DD (a Monday: weekly)")
    parser.add_argument("--data-dir", type=Path, default=os.environ.get("THEODOI_DATA_DIR"),
                        help="the generated data folder (default: THEODOI_DATA_DIR)")  # fmt: skip
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                        help="default: DATABASE_URL, else the data folder's SQLite")  # fmt: skip
    parser.add_argument("--processes", type=int, default=1, help="`theodoi remind` at once")
    parser.add_argument("--sink", choices=["auto", "smtp-sink", "aiosmtpd"], default="auto")
    parser.add_argument("--fresh", action="store_true",
                        help="first delete the day's notifications and digests (bench data!)")  # fmt: skip
    parser.add_argument("--setup", action="store_true", help="apt-get install postfix (root)")
    options = parser.parse_args()
    if options.setup:
        setup()
        if options.day is None:
            return 0
    if options.day is None or options.data_dir is None:
        parser.error("--day and --data-dir (or THEODOI_DATA_DIR) are needed")
    options.data_dir = Path(options.data_dir).resolve()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    return run(options)


if __name__ == "__main__":
    sys.exit(main())
