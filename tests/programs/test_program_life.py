"""A program's life: in force to the end of its term, finished on a day the office sets, or
replaced by another; the same rules from the service, the program page, the API and the CLI."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse

from theodoi.programs import life
from theodoi.programs.models import Program

END = dt.date(2025, 12, 31)


def _other(example: Program) -> Program:
    return Program.objects.create(
        number="01-CTr/TU", title="Chương trình nhiệm kỳ 2025-2030", term_start=2025,
        term_end=2030, date=dt.date(2025, 11, 1), issuer=example.issuer,
    )  # fmt: skip


def test_a_program_is_in_force_to_the_end_of_its_term(example):
    assert example.ends_on == END
    assert example.in_force_on(END)
    assert not example.in_force_on(END + dt.timedelta(days=1))
    assert example.judged_as_of(dt.date(2026, 12, 8)) == END
    assert example.judged_as_of(dt.date(2024, 3, 1)) == dt.date(2024, 3, 1)
    assert list(Program.objects.in_force(END)) == [example]
    assert not Program.objects.in_force(dt.date(2026, 1, 1)).exists()


def test_the_office_finishes_a_program_on_a_day_it_sets(example, users):
    done = life.finish_program(user=users["monitor"], program=example, on=dt.date(2024, 6, 30))
    assert (done.status, done.ended_on) == (Program.Status.CLOSED, dt.date(2024, 6, 30))
    assert done.judged_as_of(dt.date(2026, 12, 8)) == dt.date(2024, 6, 30)
    assert not Program.objects.in_force(dt.date(2024, 7, 1)).exists()
    assert Program.objects.in_force(dt.date(2024, 6, 30)).exists()
    again = life.reopen_program(user=users["monitor"], program=done)
    assert (again.status, again.ended_on, again.ends_on) == (Program.Status.ACTIVE, None, END)


def test_a_program_replaced_ends_the_day_before_its_replacement(example, users):
    other = _other(example)
    done = life.replace_program(user=users["monitor"], program=example, by=other)
    assert done.status == Program.Status.REPLACED
    assert done.replaced_by == other
    assert done.ended_on == dt.date(2025, 10, 31)
    assert list(Program.objects.in_force(dt.date(2025, 11, 1))) == [other]
    with pytest.raises(life.LifeError, match="tự thay thế"):
        life.replace_program(user=users["monitor"], program=other, by=other)


def test_bad_days_and_people_who_may_not_are_refused(example, users):
    with pytest.raises(life.LifeError, match="trước nhiệm kỳ"):
        life.finish_program(user=users["monitor"], program=example, on=dt.date(2019, 1, 1))
    with pytest.raises(PermissionDenied):
        life.finish_program(user=users["staff"], program=example)
    example.refresh_from_db()
    assert example.status == Program.Status.ACTIVE and example.ended_on is None


def test_the_program_page_finishes_and_shows_it(example, client_for):
    client = client_for("monitor")
    url = reverse("web:program_life", args=[example.pk])
    response = client.post(url, {"action": "finish", "on": "30/06/2024"}, follow=True)
    assert response.status_code == 200
    example.refresh_from_db()
    assert example.ended_on == dt.date(2024, 6, 30)
    page = response.content.decode()
    assert "Đã kết thúc" in page and "30/06/2024" in page
    bad = client.post(url, {"action": "replace", "by": "không-có"}, follow=True)
    assert "Không có chương trình số" in bad.content.decode()
    refused = client_for("staff").post(url, {"action": "reopen"})
    assert refused.status_code == 403


def test_the_cli_replaces_a_program(example, users, capsys):
    other = _other(example)
    call_command(
        "program_life", "replace", "--program", example.number, "--by", other.number,
        "--user", "monitor", "--on", "31/12/2025",
    )  # fmt: skip
    example.refresh_from_db()
    assert (example.status, example.replaced_by_id) == (Program.Status.REPLACED, other.pk)
    assert example.ended_on == END
    with pytest.raises(SystemExit):
        call_command("program_life", "finish", "--program", "nope", "--user", "monitor")
    assert "không có chương trình" in capsys.readouterr().err


def test_the_api_finishes_a_program_and_says_why_not(example, users):
    from tests.api.conftest import Bearer
    from theodoi.api.tokens import create_token

    api = Bearer(create_token(users["monitor"], "kiểm thử")[1])
    path = f"/api/programs/{example.pk}/life"
    answer = api.post(path, {"action": "finish", "on": "2025-06-30"})
    assert answer.status_code == 200, answer.content
    assert answer.json()["ends_on"] == "2025-06-30"
    assert answer.json()["status"] == "closed"
    again = api.post(path, {"action": "finish"})
    assert again.status_code == 200
    bad = api.post(path, {"action": "replace"})
    assert bad.status_code == 422
    staff = Bearer(create_token(users["staff"], "kiểm thử")[1])
    assert staff.post(path, {"action": "reopen"}).status_code == 403
