"""The hostile-input suite's world: the example province and program with the shared accounts
(tests/conftest.py's ACCOUNTS), built ONCE per test module rather than once per test.

The module's data is made inside a transaction that is rolled back when the module ends;
each test then runs in its own savepoint inside it (pytest-django's ``db``), so a test may
change anything and the next one still starts from the module's world. Files (evidence,
uploads waiting for confirmation) go to a temporary data folder of the module."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client, override_settings

from tests.conftest import ACCOUNTS
from theodoi.orgs.models import Organization
from theodoi.orgs.registry import load_registry_file
from theodoi.parsing import example_path
from theodoi.programs.importer import import_program
from theodoi.programs.models import Occurrence, Program
from theodoi.tracking.models import Membership

PASSWORD = "mat-khau-thu"


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[SimpleNamespace]:
    """The example program, one account per role, and ``login(name)`` for a signed-in
    client. Two occurrences of Ban Tổ chức (the ``staff``/``head`` body) that Ban Tuyên giáo
    (``outsider``) has nothing to do with: ``ours`` and ``ours2``; and one of Ban Tuyên giáo's
    own: ``theirs``."""
    folder = tmp_path_factory.mktemp("security")
    with (
        django_db_blocker.unblock(),
        override_settings(DATA_DIR=folder, MEDIA_ROOT=folder / "media"),
    ):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            load_registry_file(None)
            import_program(path=example_path())
            users = {}
            for username, (code, role) in ACCOUNTS.items():
                user = get_user_model().objects.create_user(
                    username, email=f"{username}@example.vn", password=PASSWORD
                )
                Membership.objects.create(
                    user=user, organization=Organization.objects.get(code=code), role=role
                )
                users[username] = user
            users["admin"].is_staff = True  # may enter /admin/ (inside, the policy decides)
            users["admin"].save()

            def login(username: str, **options) -> Client:
                client = Client(**options)
                client.force_login(users[username])
                return client

            yield SimpleNamespace(
                program=Program.objects.get(),
                users=users,
                login=login,
                folder=folder,
                ours=ours("B.III.1.3/2"),
                ours2=ours("B.III.1.3/3"),
                theirs=Occurrence.objects.filter(assignment__organization__code="qn.btgtu")
                .order_by("due_date", "pk")
                .first(),
            )
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def ours(key: str) -> Occurrence:
    """Ban Tổ chức's first occurrence of task ``key`` (a task Ban Tuyên giáo has no part in)."""
    found = (
        Occurrence.objects.filter(
            assignment__task__key=key, assignment__organization__code="qn.btctu"
        )
        .order_by("due_date", "pk")
        .first()
    )
    assert found is not None, key
    task = found.assignment.task
    assert not task.assignments.filter(organization__code="qn.btgtu").exists(), key
    assert task.lead.code != "qn.btgtu"
    return found


@pytest.fixture(autouse=True)
def _own_savepoint(db) -> None:
    """Every test of the folder runs in a savepoint of its module's world (see ``world``)."""
