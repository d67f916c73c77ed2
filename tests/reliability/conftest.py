"""Tools to break things on purpose: a database write that fails half-way through a change, and
a picture of every table to show that the failed change left nothing behind."""

from __future__ import annotations

import hashlib

import pytest
from django.db import OperationalError, connection

# Rows a request may touch whatever it does (a session, a sign-in attempt): not the change's.
_NOT_THE_CHANGE = ("django_session", "axes_")


def snapshot() -> dict[str, tuple[int, str]]:
    """Every table's row count and a digest of its rows, to compare before and after."""
    tables: dict[str, tuple[int, str]] = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            if table.startswith(_NOT_THE_CHANGE):
                continue
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            rows = sorted(repr(row) for row in cursor.fetchall())
            digest = hashlib.sha256("\n".join(rows).encode()).hexdigest()
            tables[table] = (len(rows), digest)
    return tables


def changed(before: dict, after: dict) -> list[str]:
    """The tables whose rows differ (an empty list when nothing changed)."""
    return sorted(t for t in before.keys() | after.keys() if before.get(t) != after.get(t))


class Fault:
    """Makes ``model.save`` raise ``error`` from its ``after + 1``-th call on: the writes before
    it go through, so the change is half done when the database refuses."""

    def __init__(self, monkeypatch, model, *, after: int = 0, error: Exception | None = None):
        self.calls = 0
        self.after = after
        # a failure, not SQLite's wait running out ("database is locked" has its own answer,
        # tests/test_sqlite_wait.py)
        self.error = error or OperationalError("disk I/O error")
        original = model.save

        def save(instance, *args, **kwargs):
            self.calls += 1
            if self.calls > self.after:
                raise self.error
            return original(instance, *args, **kwargs)

        monkeypatch.setattr(model, "save", save)

    @property
    def fired(self) -> bool:
        return self.calls > self.after


@pytest.fixture
def fault(monkeypatch):
    """``fault(Model, after=n)``: the n+1-th save of Model fails with a database error."""

    def make(model, *, after: int = 0, error: Exception | None = None) -> Fault:
        return Fault(monkeypatch, model, after=after, error=error)

    return make
