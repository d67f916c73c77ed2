"""The cache table (settings.CACHES, a DatabaseCache):
made with the rest of the database by `theodoi migrate`, so the API's rate counts are shared
by every server process from the first request."""

from django.core.management import call_command
from django.db import migrations


def make_cache_table(apps, schema_editor) -> None:
    # Does nothing for a cache that is not a database table, or a table already there.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("api", "0001_initial")]

    operations = [migrations.RunPython(make_cache_table, migrations.RunPython.noop)]
