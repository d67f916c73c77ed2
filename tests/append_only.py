"""The test database's own flush, let through the append-only triggers.

Transactional tests (``transactional_db``, ``live_server``) end with Django's ``flush``:
DELETE on SQLite, TRUNCATE on PostgreSQL, both refused by the triggers of the audit log and
the report history (``theodoi.tracking.append_only``). While Django tears a test case down,
and only then, the flush drops the triggers, empties the tables and makes the triggers again,
in one transaction. Dropping a trigger is DDL that only the tables' owner may run: the test
database's user is; the application's role in production is not (docs/production.md). Any
other flush (``call_command("flush")`` in a test, ``theodoi flush``) is refused as ever.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django.db import transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from django.test import TransactionTestCase

from theodoi.tracking import append_only

_tearing_down = False


def _flush(original):
    def execute_sql_flush(self: BaseDatabaseOperations, sql_list: list[str]) -> None:
        if not _tearing_down:
            return original(self, sql_list)
        connection = self.connection
        with transaction.atomic(using=connection.alias):
            tables = set(connection.introspection.table_names()) & set(append_only.TABLES)
            append_only.remove(connection, tables)
            original(self, sql_list)
            append_only.install(connection, tables)

    return execute_sql_flush


def _teardown(original):
    def fixture_teardown(self: TransactionTestCase) -> None:
        global _tearing_down
        _tearing_down = True
        try:
            original(self)
        finally:
            _tearing_down = False

    return fixture_teardown


@contextlib.contextmanager
def flush_let_through() -> Iterator[None]:
    """For the test session: a test case's teardown flush goes through the triggers."""
    flush = BaseDatabaseOperations.execute_sql_flush
    teardown = TransactionTestCase._fixture_teardown
    BaseDatabaseOperations.execute_sql_flush = _flush(flush)
    TransactionTestCase._fixture_teardown = _teardown(teardown)
    try:
        yield
    finally:
        BaseDatabaseOperations.execute_sql_flush = flush
        TransactionTestCase._fixture_teardown = teardown
