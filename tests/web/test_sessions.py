"""A signed-in session as the server keeps it: read on every request (theodoi.web.sessions,
theodoi.web.signin), refused once it has expired or was ended, never a way in for a key the
server did not give out."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db


def _signed_in(client: Client) -> bool:
    answer = client.get(reverse("web:my_work"))
    return answer.status_code == 200


def test_a_session_works_until_it_expires_on_the_server(client_for):
    client = client_for("staff")
    assert _signed_in(client)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    answer = client.get(reverse("web:my_work"))
    assert answer.status_code == 302
    assert reverse("web:login") in answer["Location"]


def test_a_session_ended_by_signing_out_does_not_come_back(client_for):
    client = client_for("staff")
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post(reverse("web:logout"))
    copied = Client()
    copied.cookies[settings.SESSION_COOKIE_NAME] = cookie  # the old cookie, kept by someone
    assert not _signed_in(copied)
    assert not Session.objects.filter(session_key=cookie).exists()


def test_a_key_the_server_never_gave_is_nobody(users):
    stranger = Client()
    stranger.cookies[settings.SESSION_COOKIE_NAME] = "x" * 32
    assert not _signed_in(stranger)


def test_a_page_reads_the_session_and_the_person_in_two_queries(client_for, users):
    client = client_for("staff")
    client.get(reverse("web:my_work"))
    with CaptureQueriesContext(connection) as queries:
        assert _signed_in(client)
    sql = [q["sql"] for q in queries.captured_queries]
    assert sum("django_session" in s for s in sql) == 1
    # The person, their membership and their body: one query (MemberBackend).
    person = [s for s in sql if '"auth_user"' in s and "tracking_membership" in s]
    assert len(person) == 1
    assert sum("tracking_membership" in s for s in sql) == 1
