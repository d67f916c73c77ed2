"""A theodoi site in its own database, driven as an operator drives it: the ``theodoi``
command run as a separate process, which a test may kill at the worst moment.

The database is a fresh SQLite file, or, when the suite runs on PostgreSQL
(THEODOI_TEST_DATABASE_URL), a fresh database on that server. A module migrates and fills one
template once; each test gets a copy (a file copy, or CREATE DATABASE ... TEMPLATE)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
THEODOI = str(Path(sys.executable).with_name("theodoi"))


def _server_url() -> str:
    return os.environ.get("THEODOI_TEST_DATABASE_URL", "")


def _admin(statement: str) -> None:
    import psycopg

    parts = urlsplit(_server_url())
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(statement)


class Site:
    """One database and data folder, and the command to run against them."""

    def __init__(self, folder: Path, database: str) -> None:
        self.folder = folder
        self.database = database  # a file path (SQLite) or a database name (PostgreSQL)
        folder.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        if _server_url():
            return urlunsplit(urlsplit(_server_url())._replace(path=f"/{self.database}"))
        return f"sqlite:///{self.database}"

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
        env.update(
            DATABASE_URL=self.url,
            THEODOI_DATA_DIR=str(self.folder),
            THEODOI_SECRET_KEY="reliability-tests-only",
            DJANGO_SETTINGS_MODULE="theodoi.settings",
            PYTHONPATH=str(ROOT),
        )
        env.update(extra)
        return env

    def run(self, *args: str, timeout: float = 600, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [THEODOI, *args], env=self.env(**env), cwd=ROOT, capture_output=True, text=True,
            timeout=timeout,
        )  # fmt: skip

    def start(self, *args: str, **kwargs) -> subprocess.Popen:
        env = self.env(**kwargs.pop("env", {}))
        return subprocess.Popen([THEODOI, *args], env=env, cwd=ROOT, **kwargs)

    def python(self, code: str) -> str:
        """Run ``code`` in the site's Django (``theodoi shell -c``); what it prints."""
        done = self.run("shell", "-v", "0", "-c", code)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def copy(self, folder: Path) -> Site:
        if _server_url():
            name = f"{self.database[:40]}_{uuid.uuid4().hex[:8]}"
            _admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.database}"')
            return Site(folder, name)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / "site.sqlite3"
        shutil.copyfile(self.database, target)
        return Site(folder, str(target))

    def drop(self) -> None:
        if _server_url():
            _admin(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')


def new_site(folder: Path, setup: str = "") -> Site:
    """A migrated site, with ``setup`` (Python run in its Django) done."""
    if _server_url():
        name = f"theodoi_rel_{uuid.uuid4().hex[:10]}"
        _admin(f'CREATE DATABASE "{name}"')
        site = Site(folder, name)
    else:
        site = Site(folder, str(folder / "site.sqlite3"))
    done = site.run("migrate", "-v0")
    assert done.returncode == 0, done.stderr
    if setup:
        site.python(setup)
    return site
