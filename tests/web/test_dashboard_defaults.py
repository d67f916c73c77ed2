"""After the example's term (2020-2025) the dashboard, the report form and the evaluation
start from the finished program as of its end, never from a quarter or a 31/12 to come."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from theodoi.programs import life

END = dt.date(2025, 12, 31)


@pytest.fixture(autouse=True)
def _after_the_term(example):
    if timezone.localdate() <= END:
        pytest.skip("these tests describe a day after the example's term")


def test_the_dashboard_shows_the_finished_program_as_of_its_end(example, client_for):
    response = client_for("monitor").get("/dashboard/")
    assert response.context["program"] == example
    assert response.context["as_of"] == END
    page = response.content.decode()
    assert 'id="program-ended"' in page
    assert "Số liệu tính đến hết ngày 31/12/2025" in page
    # a day typed is shown as asked
    typed = client_for("monitor").get("/dashboard/", {"as_of": "2026-03-01"})
    assert typed.context["as_of"] == dt.date(2026, 3, 1)


def test_a_program_finished_earlier_is_shown_as_of_that_day(example, users, client_for):
    life.finish_program(user=users["monitor"], program=example, on=dt.date(2024, 6, 30))
    response = client_for("monitor").get("/dashboard/")
    assert response.context["as_of"] == dt.date(2024, 6, 30)
    tree = client_for("monitor").get(f"/programs/{example.pk}/")
    assert tree.context["as_of"] == dt.date(2024, 6, 30)
    assert "kết thúc ngày 30/06/2024" in tree.content.decode()


def test_the_programs_in_force_come_first(example, users, client_for):
    from theodoi.programs.models import Program

    other = Program.objects.create(
        number="01-CTr/TU", title="Nhiệm kỳ mới", term_start=2025, term_end=2030,
        issuer=example.issuer,
    )  # fmt: skip
    response = client_for("monitor").get("/dashboard/")
    assert response.context["program"] == other
    assert response.context["as_of"] == timezone.localdate()


def test_the_report_form_defaults_to_the_last_quarter_with_data(example, client_for):
    page = client_for("monitor").get("/reports/").content.decode()
    picker = re.search(r'<select name="period".*?</select>', page, re.S)
    assert picker is not None, "the period picker is a list of named periods"
    chosen = re.search(r'<option value="([^"]+)"[^>]*selected>([^<]+)<', picker.group(0))
    assert chosen is not None
    assert chosen.groups() == ("2025-Q4", "Quý IV/2025")
    assert "Cả nhiệm kỳ 2020-2025" in page
    assert "2026-Q" not in page  # after the term: no quarter of 2026 to report on


def test_the_evaluation_defaults_to_the_year_of_the_end(example, client_for):
    response = client_for("monitor").get("/evaluation/")
    assert response.status_code == 200
    assert response.context["year"] == 2025
