"""The report history joins the audit log as append-only, and both are closed to REPLACE
(SQLite) and to TRUNCATE (PostgreSQL, also through CASCADE): ``tracking.append_only``.

The triggers are defined there, not frozen here: SQLite loses them whenever Django remakes
the table, and the same definitions put them back after each migrate. Going back removes
what this migration added and leaves the audit log's update and delete triggers of 0002."""

from django.db import migrations

from theodoi.tracking import append_only

ADDED = {
    "sqlite": {
        "auditlog_logentry": ["auditlog_logentry_no_replace"],
        "tracking_reportrevision": append_only.trigger_names("sqlite", "tracking_reportrevision"),
    },
    "postgresql": {
        "tracking_reportrevision": append_only.trigger_names(
            "postgresql", "tracking_reportrevision"
        ),
    },
}


def install(apps, schema_editor):
    append_only.install(schema_editor.connection)


def remove(apps, schema_editor):
    on_table = schema_editor.connection.vendor == "postgresql"
    for table, names in ADDED.get(schema_editor.connection.vendor, {}).items():
        for name in names:
            schema_editor.execute(
                f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if on_table else "")
            )


class Migration(migrations.Migration):
    dependencies = [
        ("tracking", "0007_revision_channel"),
    ]

    operations = [migrations.RunPython(install, remove)]
