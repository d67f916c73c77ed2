"""The example province and program, with one account per role: the fixtures the web pages,
reports and plans tests share (a folder may define its own `example`)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from theodoi.orgs.models import Organization
from theodoi.orgs.registry import load_registry_file
from theodoi.parsing import example_path
from theodoi.programs.importer import import_program
from theodoi.programs.models import Program
from theodoi.tracking.models import Membership, Role

ACCOUNTS = {  # username: (body, role)
    "admin": ("qn.vptu", Role.ADMIN),
    "monitor": ("qn.vptu", Role.MONITOR),
    "leader": ("qn.btv", Role.LEADER),
    "head": ("qn.btctu", Role.HEAD),
    "staff": ("qn.btctu", Role.STAFF),
    "outsider": ("qn.btgtu", Role.STAFF),  # Ban Tuyên giáo: another body
}


@pytest.fixture
def example(db) -> Program:
    """The example registry and program, imported."""
    load_registry_file(None)
    import_program(path=example_path())
    return Program.objects.get()


@pytest.fixture
def users(example) -> dict:
    made = {}
    for username, (code, role) in ACCOUNTS.items():
        user = get_user_model().objects.create_user(
            username, email=f"{username}@example.vn", password="mat-khau-thu"
        )
        Membership.objects.create(
            user=user, organization=Organization.objects.get(code=code), role=role
        )
        made[username] = user
    return made


@pytest.fixture
def client_for(users):
    """``client_for("staff")``: a test client signed in as that account."""

    def make(username: str) -> Client:
        client = Client()
        client.force_login(users[username])
        return client

    return make
