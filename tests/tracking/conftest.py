"""What the tracking tests share: people who act for a body in a role, and a small program of
three bodies for the tests that need no more (the example program is tests/conftest.py's)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser

from theodoi.orgs.models import Kind, Organization
from theodoi.programs.models import Assignment, Occurrence, Program, ProgramVersion, Task
from theodoi.tracking.models import Membership, Role

Member = Callable[..., AbstractBaseUser]


@pytest.fixture
def member(db) -> Member:
    """Makes a user who acts for a body (an ``Organization`` or its code) in a role; without a
    body, a user the policy answers nothing. Extra keywords go to ``create_user``."""

    def make(
        username: str, org: Organization | str | None = None, role: Role | None = None, **extra
    ) -> AbstractBaseUser:
        user = get_user_model().objects.create_user(username, **extra)
        if org is not None:
            if isinstance(org, str):
                org = Organization.objects.get(code=org)
            Membership.objects.create(user=user, organization=org, role=role)
        return user

    return make


@pytest.fixture
def bodies(db) -> SimpleNamespace:
    """Bodies A and B that carry out work, the Office (Văn phòng) that follows it, all under
    their committee (Tỉnh ủy, ``committee``), and an empty program it issued (``program``,
    its first version ``v1``)."""
    committee = Organization.objects.create(code="tu", name="Tỉnh ủy", kind=Kind.PARTY_COMMITTEE)
    program = Program.objects.create(
        number="01-CTr/TU", title="Chương trình hành động", issuer=committee
    )

    def body(code: str, name: str) -> Organization:
        return Organization.objects.create(code=code, name=name, parent=committee)

    return SimpleNamespace(
        committee=committee,
        a=body("a", "Ban Tổ chức Tỉnh ủy"),
        b=body("b", "Ban Tuyên giáo Tỉnh ủy"),
        office=body("office", "Văn phòng Tỉnh ủy"),
        program=program,
        v1=ProgramVersion.objects.create(
            program=program, number=1, source_name="ctr.docx", source_sha256="0" * 64
        ),
    )


@pytest.fixture
def one_task(bodies) -> SimpleNamespace:
    """``bodies`` with one task led by A, and A's one occurrence of it, due 30/6/2021."""
    task = Task.objects.create(
        program=bodies.program, key="1", text="Xây dựng kế hoạch", time_kind="deadline",
        lead=bodies.a, added_in=bodies.v1,
    )  # fmt: skip
    assignment = Assignment.objects.create(task=task, organization=bodies.a, leads=True)
    occurrence = Occurrence.objects.create(
        assignment=assignment, due_date=date(2021, 6, 30), label="Quý II/2021", source="deadline"
    )
    return SimpleNamespace(**vars(bodies), task=task, occurrence=occurrence)
