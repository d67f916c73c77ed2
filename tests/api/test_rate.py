"""The API's rate limit is exact: in a window exactly the limit passes and not one call more,
whether the calls come one after another, from sixteen threads at once, or from several
server processes sharing the database; each token has its own count; the window starts with
its first call and the refusal says how long to wait."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from django.test import Client

from tests.reliability.processes import new_site
from theodoi.api.models import RateCount
from theodoi.api.rate import take


def bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_the_limit_counts_per_token_in_the_database(users, secrets_for, settings):
    settings.THEODOI_API_RATE = "3/m"
    staff, head = secrets_for["staff"], secrets_for["head"]
    answers = [Client().get("/api/programs", **bearer(staff)).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    limited = Client().get("/api/programs", **bearer(staff))
    assert limited.status_code == 429
    assert "thử lại sau" in limited.json()["detail"]
    assert 1 <= int(limited["Retry-After"]) <= 60
    # Another token has its own count.
    assert Client().get("/api/programs", **bearer(head)).status_code == 200
    # The counts are rows of the database, which every server process shares.
    assert RateCount.objects.filter(key__startswith="token_").count() == 2


def test_a_window_starts_with_its_first_call_and_ends_after_its_length(db):
    start = dt.datetime(2026, 1, 5, 8, 0, 30, tzinfo=dt.UTC)
    at = lambda seconds: start + dt.timedelta(seconds=seconds)  # noqa: E731
    assert [take("k", limit=2, seconds=60, now=at(s)).allowed for s in (0, 10, 20)] == [
        True, True, False,
    ]  # fmt: skip
    refused = take("k", limit=2, seconds=60, now=at(45))
    assert not refused.allowed and refused.wait == pytest.approx(15)
    # A minute after the first call (not at the clock's minute) the next window begins.
    assert take("k", limit=2, seconds=60, now=at(59)).allowed is False
    assert take("k", limit=2, seconds=60, now=at(60)).allowed is True
    assert take("k", limit=2, seconds=60, now=at(61)).allowed is True
    assert take("k", limit=2, seconds=60, now=at(62)).allowed is False
    assert take("other", limit=2, seconds=60, now=at(62)).allowed is True


# The concurrent tests run in a site of their own (tests/reliability/processes.py): a fresh
# database of the suite's kind (a SQLite file, or a PostgreSQL database), because the suite's
# own test database cannot be emptied between tests (the audit log refuses TRUNCATE) and
# SQLite's shared in-memory one refuses concurrent writers outright.
REGISTRY = "from theodoi.orgs.registry import load_registry_file; load_registry_file(None)"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    made = new_site(tmp_path_factory.mktemp("rate"), REGISTRY)
    yield made
    made.drop()


THREADS = """
import json, threading
from collections import Counter
from django.contrib.auth import get_user_model
from django.db import connections
from django.test import Client
from theodoi.api.tokens import create_token
from theodoi.orgs.models import Organization
from theodoi.tracking.models import Membership

user = get_user_model().objects.create_user("nhieuluong")
body = Organization.objects.get(code="qn.btctu")
Membership.objects.create(user=user, organization=body, role="staff")
secret = create_token(user, "nhiều luồng")[1]
start = threading.Barrier({threads})
answers, lock = Counter(), threading.Lock()

def call():
    try:
        client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION="Bearer " + secret)
        start.wait()
        for _ in range({calls}):
            status = client.get("/api/organizations").status_code
            with lock:
                answers[status] += 1
    finally:
        connections.close_all()

workers = [threading.Thread(target=call) for _ in range({threads})]
for worker in workers:
    worker.start()
for worker in workers:
    worker.join()
print(json.dumps(answers))
"""


def test_exactly_the_limit_passes_under_sixteen_threads(site):
    """Sixteen threads of one server process calling at once with one token; the old counter
    (read the list of calls, add one, write it back) let 954 calls through a limit of 600."""
    threads, calls, limit = 16, 6, 25
    code = THREADS.format(threads=threads, calls=calls)
    done = site.run("shell", "-v", "0", "-c", code, THEODOI_API_RATE=f"{limit}/h")
    assert done.returncode == 0, done.stderr
    answers = json.loads(done.stdout.strip().splitlines()[-1])
    assert answers == {"200": limit, "429": threads * calls - limit}


COUNT = """
import time
from theodoi.api.rate import take
time.sleep(max(0, {at} - time.time()))
print(sum(take("shared", limit={limit}, seconds=3600).allowed for _ in range({calls})))
"""


def test_exactly_the_limit_passes_across_processes(site):
    """Four server processes, each with its own connection (SQLite: each waiting for the
    file's write lock), counting one key at once: together they pass the limit exactly."""
    at = time.time() + 8  # every process has started and waits until then
    code = COUNT.format(at=at, limit=70, calls=40)
    runs = [site.start("shell", "-v", "0", "-c", code, stdout=-1, stderr=-1, text=True)
            for _ in range(4)]  # fmt: skip
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0] * 4, [err for _out, err in outputs]
    assert sum(int(out.split()[-1]) for out, _err in outputs) == 70
