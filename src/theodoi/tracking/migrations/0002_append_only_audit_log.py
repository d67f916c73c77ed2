"""The audit log refuses updates and deletes at the database, for everyone."""

from django.db import migrations

SQLITE = [
    "CREATE TRIGGER IF NOT EXISTS auditlog_logentry_no_update BEFORE UPDATE ON auditlog_logentry "
    "BEGIN SELECT RAISE(ABORT, 'nhật ký thay đổi chỉ được ghi thêm (append-only)'); END;",
    "CREATE TRIGGER IF NOT EXISTS auditlog_logentry_no_delete BEFORE DELETE ON auditlog_logentry "
    "BEGIN SELECT RAISE(ABORT, 'nhật ký thay đổi chỉ được ghi thêm (append-only)'); END;",
]
POSTGRESQL = [
    "CREATE OR REPLACE FUNCTION theodoi_audit_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'nhật ký thay đổi chỉ được ghi thêm (append-only)'; END; "
    "$$ LANGUAGE plpgsql;",
    "DROP TRIGGER IF EXISTS auditlog_logentry_append_only ON auditlog_logentry;",
    "CREATE TRIGGER auditlog_logentry_append_only BEFORE UPDATE OR DELETE ON auditlog_logentry "
    "FOR EACH ROW EXECUTE FUNCTION theodoi_audit_append_only();",
    "DROP TRIGGER IF EXISTS auditlog_logentry_no_truncate ON auditlog_logentry;",
    "CREATE TRIGGER auditlog_logentry_no_truncate BEFORE TRUNCATE ON auditlog_logentry "
    "FOR EACH STATEMENT EXECUTE FUNCTION theodoi_audit_append_only();",
]
DROP = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS auditlog_logentry_no_update;",
        "DROP TRIGGER IF EXISTS auditlog_logentry_no_delete;",
    ],
    "postgresql": [
        "DROP TRIGGER IF EXISTS auditlog_logentry_append_only ON auditlog_logentry;",
        "DROP TRIGGER IF EXISTS auditlog_logentry_no_truncate ON auditlog_logentry;",
    ],
}


def install(apps, schema_editor):
    statements = {"sqlite": SQLITE, "postgresql": POSTGRESQL}.get(
        schema_editor.connection.vendor, []
    )
    for statement in statements:
        schema_editor.execute(statement)


def remove(apps, schema_editor):
    for statement in DROP.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("tracking", "0001_initial"),
        ("auditlog", "0017_add_actor_email"),
    ]

    operations = [migrations.RunPython(install, remove)]
