"""The national overview (/national/): one row per top-level program, its own figures and its
lower programs' figures, the same as each program's dashboard gives them."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from theodoi.programs.models import Program
from theodoi.synthetic.generate import generate
from theodoi.tracking.lineage import lower_levels
from theodoi.tracking.national import national_overview
from theodoi.tracking.rollup import overview

DAY = dt.date(2023, 6, 30)


@pytest.fixture
def manifest(db, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    summary = generate("tiny", seed=5, password="x", today=dt.date(2026, 11, 27),
                       say=lambda _: None)  # fmt: skip
    return json.loads(summary.manifest.read_text(encoding="utf-8"))


def _client(username: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def test_each_row_agrees_with_the_programs_dashboard(manifest):
    rows, total = national_overview(as_of=DAY)
    assert {row.program.pk for row in rows} == {p["program"] for p in manifest["provinces"]}
    for row in rows:
        lower = lower_levels(row.program, as_of=DAY)
        assert row.own == overview(row.program, as_of=DAY).total
        assert row.lower == lower.total
        assert row.lower_programs == len(lower.rows) > 0
    assert total.own.total == sum(row.own.total for row in rows)
    assert total.all.due == sum(row.all.due for row in rows)
    rates = [row.all.rate for row in rows]
    assert rates == sorted(rates)  # worst first


def test_programs_not_yet_issued_are_left_out(manifest):
    before = dt.date(2021, 1, 31)  # provincial programs issued 30/12/2020, lower ones from 2021
    rows, _total = national_overview(as_of=before)
    assert len(rows) == 2
    issued_lower = Program.objects.filter(parent_program__isnull=False, date__lte=before).count()
    assert sum(row.lower_programs for row in rows) == issued_lower
    assert national_overview(as_of=dt.date(2019, 1, 1)) == ([], None)


def test_the_page_for_the_office_and_not_for_a_body(manifest):
    page = _client(manifest["monitor"]).get("/national/?as_of=30/06/2023")
    assert page.status_code == 200
    html = page.content.decode()
    for province in manifest["provinces"]:
        assert f'data-program="{province["program"]}"' in html
    assert "Tổng cộng" in html
    assert _client(manifest["staff"][0]).get("/national/").status_code == 403
    wrong = _client(manifest["monitor"]).get("/national/?as_of=31/02/2023")
    assert wrong.status_code == 200
    assert "không phải là ngày" in wrong.content.decode()
