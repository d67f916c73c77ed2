"""The audit log and the report history are append-only, at the database, for everyone.

The two tables (``TABLES``) keep who did what and every version of every report; a status as
of a past date is read from them. Rows are added, never changed or removed, so the triggers
installed here refuse every statement that would:

- SQLite: UPDATE (UPSERT's DO UPDATE and UPDATE OR REPLACE included), DELETE (DELETE without
  WHERE is SQLite's TRUNCATE), and REPLACE / INSERT OR REPLACE, which removes the row it
  conflicts with without firing delete triggers: an INSERT that meets an existing row on any
  unique key is refused before it starts.
- PostgreSQL: UPDATE and DELETE (ON CONFLICT DO UPDATE and MERGE included) row by row, and
  TRUNCATE (also reached through another table's TRUNCATE ... CASCADE) unless the table is
  empty, where it removes nothing. The triggers fire ALWAYS, also under
  ``session_replication_role = replica``. Only the tables' owner can disable or drop them:
  the application connects as another role that may only read and add here
  (docs/production.md; ``checks.append_only_tables`` warns otherwise).

Django remakes a SQLite table (copy, drop, rename) for many schema changes, which drops its
triggers; ``reinstall_after_migrate`` puts them back at the end of every ``migrate``.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Model, ProtectedError, QuerySet, RestrictedError
from django.db.models.deletion import Collector
from django.utils.translation import gettext as _

# table: what the database says when it refuses (one message, whatever the statement).
TABLES = {
    "auditlog_logentry": "nhật ký thay đổi chỉ được ghi thêm (append-only)",
    "tracking_reportrevision": "lịch sử báo cáo chỉ được ghi thêm (append-only)",
}
MIGRATION = ("tracking", "0008_append_only_history")
FUNCTION = "theodoi_audit_append_only"  # made by 0002 for the audit log; now for both tables

_POSTGRESQL_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger AS $$
DECLARE
    kept boolean;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        EXECUTE format('SELECT EXISTS (SELECT FROM %I.%I)', TG_TABLE_SCHEMA, TG_TABLE_NAME)
            INTO kept;
        IF NOT kept THEN
            RETURN NULL;
        END IF;
    END IF;
    RAISE EXCEPTION '%', COALESCE(TG_ARGV[0], 'chỉ được ghi thêm (append-only)');
END;
$$ LANGUAGE plpgsql;
"""


def trigger_names(vendor: str, table: str) -> list[str]:
    """The triggers that keep ``table`` append-only on that database (none elsewhere)."""
    suffixes = {
        "sqlite": ["no_update", "no_delete", "no_replace"],
        "postgresql": ["append_only", "no_truncate"],
    }.get(vendor, [])
    return [f"{table}_{suffix}" for suffix in suffixes]


def _sqlite_triggers(connection: BaseDatabaseWrapper, table: str) -> list[str]:
    refuse = f"BEGIN SELECT RAISE(ABORT, '{TABLES[table]}'); END"
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table).values()
    keys = [c["columns"] for c in constraints if c["unique"] or c["primary_key"]]
    conflicts = " OR ".join(
        f"EXISTS (SELECT 1 FROM {table} WHERE "
        + " AND ".join(f'"{column}" = NEW."{column}"' for column in columns)
        + ")"
        for columns in keys
    )
    update, delete, replace = trigger_names("sqlite", table)
    return [
        f"CREATE TRIGGER {update} BEFORE UPDATE ON {table} {refuse};",
        f"CREATE TRIGGER {delete} BEFORE DELETE ON {table} {refuse};",
        f"CREATE TRIGGER {replace} BEFORE INSERT ON {table} WHEN {conflicts} {refuse};",
    ]


def _postgresql_triggers(table: str) -> list[str]:
    rows, truncate = trigger_names("postgresql", table)
    call = f"EXECUTE FUNCTION {FUNCTION}('{TABLES[table]}')"
    return [
        f"CREATE TRIGGER {rows} BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW {call};",
        f"CREATE TRIGGER {truncate} BEFORE TRUNCATE ON {table} FOR EACH STATEMENT {call};",
        f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {rows};",
        f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {truncate};",
    ]


def install(connection: BaseDatabaseWrapper, tables: Iterable[str] = TABLES) -> None:
    """(Re)create the triggers of ``tables``: the migration's work, and the SQLite repair."""
    vendor = connection.vendor
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute(_POSTGRESQL_FUNCTION)
        for table in tables:
            remove(connection, [table])
            if vendor == "sqlite":
                statements = _sqlite_triggers(connection, table)
            elif vendor == "postgresql":
                statements = _postgresql_triggers(table)
            else:
                statements = []
            for statement in statements:
                cursor.execute(statement)


def remove(connection: BaseDatabaseWrapper, tables: Iterable[str] = TABLES) -> None:
    """Drop the triggers of ``tables``: only the tables' owner may (DDL), as migrations do."""
    on = " ON {table}" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        for table in tables:
            for name in trigger_names(connection.vendor, table):
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}{on.format(table=table)};")


def missing_triggers(connection: BaseDatabaseWrapper) -> dict[str, list[str]]:
    """Per existing table, the triggers that are not there or do not fire (PostgreSQL:
    disabled, or only under replication)."""
    with connection.cursor() as cursor:
        present = set(connection.introspection.table_names(cursor))
        found: dict[str, list[str]] = {}
        for table in TABLES:
            if table not in present:
                continue
            if connection.vendor == "sqlite":
                cursor.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                    [table],
                )
            else:
                cursor.execute(
                    "SELECT tgname FROM pg_trigger WHERE tgrelid = to_regclass(%s)"
                    " AND NOT tgisinternal AND tgenabled IN ('O', 'A')",
                    [table],
                )
            firing = {name for (name,) in cursor.fetchall()}
            lacking = [n for n in trigger_names(connection.vendor, table) if n not in firing]
            if lacking:
                found[table] = lacking
    return found


def reinstall_after_migrate(using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    """post_migrate: on SQLite, the triggers a table remake dropped are made again (once the
    migration that first made them has run)."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    if MIGRATION not in MigrationRecorder(connection).applied_migrations():
        return
    if lacking := missing_triggers(connection):
        install(connection, lacking)


def _size(batch: Model | QuerySet | Iterable[Model]) -> int:
    if isinstance(batch, Model):
        return 1
    return batch.count() if isinstance(batch, QuerySet) else len(batch)


def kept_rows(objs: Iterable[Model] | QuerySet, using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """What deleting ``objs`` would remove or change in the append-only tables, in words for
    the person about to delete them (empty when nothing): the admin shows it as protected,
    instead of a database error on confirmation. A task, an assignment or an occurrence with
    reports takes their history with it; a person named in the audit log would be blanked
    out of it (django-auditlog's actor is SET_NULL): such a person is deactivated instead."""
    collector = Collector(using=using)
    try:
        collector.collect(objs)
    except (ProtectedError, RestrictedError):
        return []  # the admin lists those itself, and deletes nothing
    counts = dict.fromkeys(TABLES, 0)
    touched = [
        *collector.data.items(),  # deleted one by one
        *((qs.model, [qs]) for qs in collector.fast_deletes),  # deleted in one statement
        *((field.model, batches) for (field, _), batches in collector.field_updates.items()),
    ]
    for model, batches in touched:
        if model._meta.db_table in counts:
            counts[model._meta.db_table] += sum(_size(batch) for batch in batches)
    said = {
        "auditlog_logentry": _(
            "Nhật ký thay đổi: %(count)s mục sẽ bị sửa theo, mà nhật ký chỉ được ghi thêm. "
            "Một người đã thao tác thì khóa tài khoản (bỏ chọn “Đang hoạt động”), không xóa."
        ),
        "tracking_reportrevision": _(
            "Lịch sử báo cáo: %(count)s phiên bản sẽ bị xóa theo, mà lịch sử chỉ được ghi "
            "thêm. Nhiệm vụ, kỳ hay phân công đã có báo cáo thì rút lại (sửa đổi chương "
            "trình), không xóa."
        ),
    }
    return [said[table] % {"count": count} for table, count in counts.items() if count]
