"""An id past what the database stores (found by the schema test: `task=-2^68`) is a clear
answer, never a server error: SQLite's driver refuses such a number (422 saying so);
PostgreSQL compares it and finds nothing; a program is looked up first ("no such program")."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

HUGE = str(-(2**68))


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/api/assignments", {"task": HUGE}),
        ("/api/assignments", {"role": "advises", "task": HUGE}),  # the schema test's case
        ("/api/assignments", {"program": HUGE}),
        ("/api/occurrences", {"assignment": HUGE}),
        ("/api/occurrences", {"task": HUGE}),
        ("/api/tasks", {"program": HUGE}),
    ],
)
def test_an_id_too_large_for_the_database_is_a_clear_answer(api_as, example, path, query):
    response = api_as("monitor").get(path, query)
    assert response.status_code in (200, 404, 422), response.content[:300]
    if response.status_code == 422:  # "no such program", or SQLite's "too large"
        assert response.json()["detail"]
    elif response.status_code == 200:
        assert response.json()["count"] == 0


@pytest.mark.parametrize("path", ["/api/organizations", "/api/tasks", "/api/occurrences"])
def test_text_with_a_nul_is_a_clear_answer(api_as, example, path):
    # Found by the schema test on PostgreSQL, which refuses text holding a NUL character.
    response = api_as("monitor").get(path, {"q": "so\x00tai"})
    assert response.status_code in (200, 422), response.content[:300]
    if response.status_code == 422:
        assert response.json()["detail"]
