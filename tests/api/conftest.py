"""API helpers: a real token for each account of the shared ``users`` fixture, and a client
that sends it as a bearer token."""

from __future__ import annotations

import pytest
from django.test import Client

from theodoi.api.tokens import create_token


@pytest.fixture
def secrets_for(users) -> dict[str, str]:
    """A live token per account: ``secrets_for["staff"]``."""
    return {name: create_token(user, f"kiểm thử {name}")[1] for name, user in users.items()}


class Bearer:
    """A test client that signs every call with one token."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.client = Client()

    def _headers(self) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.secret}"}

    def get(self, path: str, data: dict | None = None):
        return self.client.get(path, data or {}, **self._headers())

    def post(self, path: str, data: dict | None = None):
        return self.client.post(
            path, data or {}, content_type="application/json", **self._headers()
        )


@pytest.fixture
def api_as(secrets_for):
    """``api_as("staff").get("/api/programs")``: calls signed with that account's token."""
    return lambda name: Bearer(secrets_for[name])
