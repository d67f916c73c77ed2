"""The trigram index behind search's text on PostgreSQL (migration 0005): the queries search
builds can use it; on SQLite the migration leaves nothing behind."""

from __future__ import annotations

from django.db import connection

from theodoi.programs.models import Occurrence, Task
from theodoi.programs.search import Criteria, matching_occurrences, matching_tasks

INDEX = "programs_task_text_key_trgm"


def plan(rows) -> str:
    """The plan of ``rows`` with scans of a whole table or index priced out (the example's
    few hundred tasks are read faster whole): what the text index can answer."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE programs_task")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
    return rows.explain()


def test_search_text_can_be_answered_by_the_index(example):
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = %s", [INDEX])
            assert cursor.fetchone()[0] == 0
        return
    criteria = Criteria(text="du lich")
    assert INDEX in plan(matching_tasks(Task.objects.all(), criteria))
    occurrences = Occurrence.objects.filter(assignment__organization__isnull=False)
    assert INDEX in plan(matching_occurrences(occurrences, criteria))
