"""A trigram index on Task.text_key, on PostgreSQL only: search's ``text_key LIKE '% du lich%'``
is otherwise a scan of every task's text (0.25 s for 157,000 tasks); the index answers it in a
few milliseconds. pg_trgm is a trusted extension: the database's owner may create it.

SQLite has no such index and needs none at a province's size; the migration does nothing there.
The model does not declare the index (Django would try to build it on SQLite too).
"""

from django.db import migrations

INDEX = "programs_task_text_key_trgm"


def add_index(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON programs_task USING gin (text_key gin_trgm_ops)"
    )


def drop_index(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0004_task_parent_task"),
    ]

    operations = [
        migrations.RunPython(add_index, drop_index),
    ]
