"""A database failure outside any view (the session the middlewares read before the view
runs, to know who is asking) gets the same "try again" answer as one inside a view, never
Django's bare 500."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.db import OperationalError
from django.test import Client
from django.urls import reverse

from theodoi.web import security, sessions

pytestmark = pytest.mark.django_db


@pytest.fixture
def unreadable(client_for, monkeypatch):
    """A signed-in client whose session the database then fails to read."""

    def make(username: str):
        client = client_for(username)
        client.raise_request_exception = False  # the answer, as a browser sees it

        def fail(self):
            raise OperationalError("disk I/O error")

        monkeypatch.setattr(sessions.SessionStore, "_get_session_from_db", fail)
        return client

    return make


@pytest.mark.parametrize("two_factor", [False, True], ids=["in-the-view", "in-a-middleware"])
def test_a_session_that_cannot_be_read_is_try_again_not_a_500(unreadable, settings, two_factor):
    """Read first by the page itself, or (two-factor mandatory) by the middleware that asks
    who is signed in before any page runs."""
    if two_factor:
        settings.THEODOI_REQUIRE_2FA = ["staff"]
    response = unreadable("staff").get("/")
    assert response.status_code == 503, response.status_code
    assert response["Retry-After"]
    html = response.content.decode()
    assert "Chưa tải được trang" in html and "thử lại" in html
    assert "Traceback" not in html and "Server Error" not in html


def test_the_api_gets_the_same_answer_as_json(unreadable):
    response = unreadable("staff").get("/api/programs")
    assert response.status_code == 503, response.status_code
    assert "thử lại" in response.json()["detail"]


def test_a_sign_in_whose_session_cannot_be_written_is_try_again(users, fault):
    """Django saves a new session after the sign-in view has answered, and lets a database
    failure there through."""
    browser = Client(raise_request_exception=False)
    failing = fault(Session)
    form = {"username": "staff", "password": "mat-khau-thu"}
    response = browser.post(reverse("web:login"), form)
    assert failing.fired
    assert response.status_code == 503, response.status_code
    html = response.content.decode()
    assert "Chưa lưu được thay đổi" in html and "thử lại" in html


def test_any_other_failure_outside_a_view_is_still_the_500_page(client_for, monkeypatch):
    def broken(self, request):
        raise RuntimeError("a bug, not the database")

    monkeypatch.setattr(security.SessionRefreshMiddleware, "__call__", broken)
    staff = client_for("staff")
    staff.raise_request_exception = False
    assert staff.get("/").status_code == 500
