"""A refused request is one log line (method, path, status, user, reason), never a traceback:
a PermissionDenied of the policy, a 404, a SuspiciousOperation (a bad Host header, a form
too large), an API input that does not fit, text refused at the door. A genuine server error
still logs its traceback. Read from the handlers settings.LOGGING configures, as an operator
reads standard error."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.test import Client, override_settings
from django.urls import path

from theodoi.api.tokens import create_token
from theodoi.logsecrets import SecretsFilter


def boom(request):
    raise RuntimeError("a genuine bug")


urlpatterns = [path("boom/", boom)]


@pytest.fixture
def console():
    """What the root logger's configured handler writes, as text."""
    handlers = [
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, SecretsFilter) for f in h.filters)
    ]
    assert len(handlers) == 1
    (handler,) = handlers
    # Swapped without setStream, which flushes the stream it replaces: under pytest-xdist
    # that may be a capture file closed already.
    stream, old = io.StringIO(), handler.stream
    handler.stream = stream
    yield stream
    handler.stream = old


def lines(stream: io.StringIO) -> list[str]:
    return [line for line in stream.getvalue().splitlines() if line.strip()]


def test_refusals_are_one_line_each(console, client_for, users, example):
    staff = client_for("staff")
    assert staff.get("/reports/").status_code == 403  # the policy: the office's work
    assert staff.get("/tasks/999999/").status_code == 404
    assert staff.get("/no-such-page/").status_code == 404
    assert Client().get("/login/", HTTP_HOST="evil.example").status_code == 400
    secret = create_token(users["staff"], "nhật ký", by=users["staff"])[1]
    body = json.dumps({"occurrence": "không phải số", "state": "in_progress"})
    response = Client().post(
        "/api/progress-reports", body, content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )  # fmt: skip
    assert response.status_code == 422
    logged = lines(console)
    assert "Traceback" not in console.getvalue()
    assert len(logged) == 5, logged
    refused, missing, nowhere, host, api = logged
    assert "refused GET /reports/ 403 user=staff: " in refused
    assert "Bạn không có quyền" in refused or "không được" in refused
    assert "refused GET /tasks/999999/ 404 user=staff" in missing
    assert "refused GET /no-such-page/ 404 user=staff: Not Found" in nowhere
    assert "django.security.DisallowedHost" in host and "400" in host and "evil.example" in host
    assert "refused POST /api/progress-reports 422 user=staff: " in api
    assert "occurrence" in api
    assert secret.split("_", 2)[2] not in console.getvalue()


def test_text_refused_at_the_door_says_why(console, client_for, example):
    assert client_for("staff").get("/search/?q=a%00b").status_code == 400
    (line,) = lines(console)
    assert "refused GET /search/ 400 user=?: " in line and "ký tự NUL (U+0000) ở “q”" in line


def test_a_line_cannot_be_forged_through_the_path(console, client_for, example):
    client_for("staff").get("/x%0A2026-01-01 ERROR forged/")
    (line,) = lines(console)
    assert "\\n2026-01-01 ERROR forged" in line


@override_settings(ROOT_URLCONF=__name__)
def test_a_genuine_error_keeps_its_traceback(console, db):
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    text = console.getvalue()
    assert "Internal Server Error: /boom/" in text
    assert "Traceback" in text and "RuntimeError: a genuine bug" in text
