"""Task.text_key: each task's text folded (no diacritics, lower case), so that search ignores
diacritics inside the database, on SQLite and PostgreSQL alike."""

from django.db import migrations, models


def fill_text_keys(apps, schema_editor):
    from theodoi.programs.search import text_key

    Task = apps.get_model("programs", "Task")
    batch = []
    for task in Task.objects.only("pk", "text").iterator(chunk_size=500):
        task.text_key = text_key(task.text)
        batch.append(task)
        if len(batch) >= 500:
            Task.objects.bulk_update(batch, ["text_key"])
            batch = []
    if batch:
        Task.objects.bulk_update(batch, ["text_key"])


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0002_occurrence_withdrawn_on"),
    ]

    operations = [
        migrations.AddField(
            model_name="task",
            name="text_key",
            field=models.TextField(
                blank=True,
                default="",
                editable=False,
                verbose_name="nội dung không dấu (để tìm kiếm)",
            ),
        ),
        migrations.RunPython(fill_text_keys, migrations.RunPython.noop, elidable=True),
    ]
