"""The example province and program, with one account per role: the fixtures the web pages,
reports and plans tests share (a folder may define its own `example`)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client

from tests.append_only import flush_let_through
from theodoi.orgs.models import Organization
from theodoi.orgs.registry import load_registry_file
from theodoi.parsing import example_path
from theodoi.programs.importer import import_program
from theodoi.programs.models import Program
from theodoi.synthetic.bulk import reset_sequences
from theodoi.tracking.models import Membership, Role

ACCOUNTS = {  # username: (body, role)
    "admin": ("qn.vptu", Role.ADMIN),
    "monitor": ("qn.vptu", Role.MONITOR),
    "leader": ("qn.btv", Role.LEADER),
    "head": ("qn.btctu", Role.HEAD),
    "staff": ("qn.btctu", Role.STAFF),
    "outsider": ("qn.btgtu", Role.STAFF),  # Ban Tuyên giáo: another body
}


@pytest.fixture(scope="session", autouse=True)
def _append_only_flush():
    """A transactional test's own teardown flush goes through the triggers of the audit log
    and the report history (tests/append_only.py); nothing else does."""
    with flush_let_through():
        yield


@pytest.fixture
def example(db) -> Program:
    """The example registry and program, imported: for real the first time in each test
    process, then copied from the rows that import made (tests/conftest.py's ``_Copy``)."""
    global _example_copy
    if _example_copy is None or not _example_copy.restore():
        before = _Copy.counts()
        load_registry_file(None)
        import_program(path=example_path())
        _example_copy = _Copy.taken(before)
    return Program.objects.get()


class _Copy:
    """The rows the example's import wrote, put back as they were into a test's database.

    Importing the example takes seconds (parsing, and hundreds of rows saved one by one
    with their audit entries); hundreds of tests start from it. Each test's database is
    rolled back (or emptied) after it, so the same rows with the same keys fit the next
    one. Only models that were empty before the import are copied, and a copy is only put
    back where those models are empty again; otherwise the fixture imports for real.
    """

    def __init__(self, tables: list[tuple[type, list[str], list[tuple]]], kinds: dict) -> None:
        self.tables = tables
        self.kinds = kinds  # content type id -> (app label, model): ids change after a flush

    @staticmethod
    def models() -> list[type]:
        return [
            m
            for m in apps.get_models(include_auto_created=True)
            if m._meta.managed and not m._meta.proxy
        ]

    @classmethod
    def counts(cls) -> dict[type, int]:
        return {m: m._base_manager.count() for m in cls.models()}

    @classmethod
    def taken(cls, before: dict[type, int]) -> _Copy | None:
        """The rows written since ``before`` (counts per model), or None when some went
        into tables that held rows already (they cannot be told apart)."""
        after = cls.counts()
        if any(before[m] and after[m] != before[m] for m in after):
            return None
        tables = []
        for model, count in after.items():
            if count and not before[model]:
                names = [f.attname for f in model._meta.concrete_fields]
                rows = list(model._base_manager.order_by("pk").values_list(*names))
                tables.append((model, names, rows))
        kinds = {ct.pk: (ct.app_label, ct.model) for ct in ContentType.objects.all()}
        return cls(tables, kinds)

    def restore(self) -> bool:
        """Put the rows back; False (nothing written) where a table is not empty."""
        if any(model._base_manager.exists() for model, _names, _rows in self.tables):
            return False
        now = {(ct.app_label, ct.model): ct.pk for ct in ContentType.objects.all()}
        kind_of = {old: now[key] for old, key in self.kinds.items() if key in now}
        with transaction.atomic():  # foreign keys are checked at the end
            for model, names, rows in self.tables:
                kinds = [
                    i
                    for i, f in enumerate(model._meta.concrete_fields)
                    if f.many_to_one and f.related_model is ContentType
                ]
                objects = []
                for row in rows:
                    values = list(row)
                    for i in kinds:
                        values[i] = kind_of.get(values[i], values[i])
                    objects.append(model(**dict(zip(names, values, strict=True))))
                model._base_manager.bulk_create(objects, batch_size=500)
            reset_sequences(model for model, _names, _rows in self.tables)
        return True


_example_copy: _Copy | None = None


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


@pytest.fixture
def media(settings, tmp_path):
    """Uploaded files go to a folder of the test's own (``settings.MEDIA_ROOT``)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def straight_to_the_office(settings):
    """Staff send reports to the office themselves (THEODOI_HEAD_SIGN_OFF=0), for tests of
    other things that follow a report from a body to the office in one step."""
    settings.THEODOI_HEAD_SIGN_OFF = False
