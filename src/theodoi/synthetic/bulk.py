"""Writing millions of rows fast: rows are plain tuples with ids chosen here, sent with
PostgreSQL's COPY or SQLite's executemany, never one ``save()`` at a time.

Because rows bypass the models, whoever builds them fills what ``save()`` would have filled
(``name_key``, ``text_key``, timestamps) and passes values the database takes as they are:
dates and aware datetimes (turned into SQLite's text forms here), JSON as ``str``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Max, Model

__all__ = ["Table", "reset_sequences"]

_FLUSH_EVERY = 20_000


class Table:
    """The rows of one table waiting to be written. ``add`` returns the id it gave the row."""

    def __init__(self, model: type[Model], fields: Sequence[str], *, with_id: bool = True):
        meta = model._meta
        self.model = model
        self.table = meta.db_table
        self.columns = ([meta.pk.column] if with_id else []) + [
            meta.get_field(name).column for name in fields
        ]
        self.with_id = with_id
        self.rows: list[tuple] = []
        self.written = 0
        self.next_id = (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1 if with_id else 0

    def reserve(self) -> int:
        """An id for a row added later with ``add(..., pk=)``: rows pointing at it can be
        built first (foreign keys are checked at commit)."""
        pk = self.next_id
        self.next_id += 1
        return pk

    def add(self, *values: Any, pk: int | None = None) -> int:
        if self.with_id:
            if pk is None:
                pk = self.reserve()
            self.rows.append((pk, *values))
        else:
            pk = 0
            self.rows.append(values)
        if len(self.rows) >= _FLUSH_EVERY:
            self.flush()
        return pk

    def flush(self) -> None:
        if not self.rows:
            return
        _write(self.table, self.columns, self.rows)
        self.written += len(self.rows)
        self.rows = []


def _write(table: str, columns: list[str], rows: list[tuple]) -> None:
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    name = connection.ops.quote_name(table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {name} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("%s" for _ in columns)
            cursor.executemany(
                f"INSERT INTO {name} ({quoted}) VALUES ({marks})", [_sqlite(r) for r in rows]
            )


def _sqlite(row: tuple) -> tuple:
    return tuple(_sqlite_value(value) for value in row)


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):  # Django keeps UTC without an offset on SQLite
        return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def as_json(value: Any) -> str:
    """A JSON column's value as the database takes it in COPY and INSERT alike."""
    return json.dumps(value, ensure_ascii=False)


def analyze() -> None:
    """Refresh the query planner's statistics after a bulk load. PostgreSQL's autovacuum gets
    there in its own time; until then a table of a million rows is planned as the few it was,
    and a task page scans every occurrence (0.8 s nationally, 12 ms after)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def reset_sequences(models: Iterable[type[Model]]) -> None:
    """After rows came with their own ids, PostgreSQL's id sequences must move past them."""
    if connection.vendor != "postgresql":
        return
    from django.core.management.color import no_style

    statements = connection.ops.sequence_reset_sql(no_style(), list(models))
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
