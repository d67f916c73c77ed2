"""The office may grant an earlier date than the one asked (after the due date in force, not
after the one asked), and is warned when a date lies past the program's term."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from theodoi.tracking.extensions import (
    ExtensionError,
    decide_extension,
    effective_due,
    request_extension,
    term_warnings,
)
from theodoi.tracking.models import Extension, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(one_task, member):
    staff = member("a-cb", one_task.a, Role.STAFF)
    ask = request_extension(user=staff, occurrence=one_task.occurrence, new_due=date(2021, 12, 31),
                            reason="Chờ ý kiến Trung ương")  # fmt: skip
    return dict(
        ask=ask, monitor=member("vp", one_task.office, Role.MONITOR), program=one_task.program
    )


def test_an_earlier_date_is_granted_and_the_asked_one_is_kept(w):
    decided = decide_extension(user=w["monitor"], extension=w["ask"], approve=True,
                               granted=date(2021, 9, 30))  # fmt: skip
    assert decided.status == Extension.Status.APPROVED and decided.new_due == date(2021, 9, 30)
    assert "31/12/2021" in decided.comment
    assert effective_due(w["ask"].occurrence) == date(2021, 9, 30)


@pytest.mark.parametrize(("granted", "message"), [
    (date(2022, 1, 31), "không được sau hạn cơ quan đề nghị"),
    (date(2021, 6, 30), "phải sau hạn hiện hành"),
    (date(2021, 5, 1), "phải sau hạn hiện hành"),
])  # fmt: skip
def test_not_later_than_asked_nor_before_the_due_date(w, granted, message):
    with pytest.raises(ExtensionError, match=message):
        decide_extension(user=w["monitor"], extension=w["ask"], approve=True, granted=granted)
    w["ask"].refresh_from_db()
    assert w["ask"].status == Extension.Status.PENDING


def test_a_date_past_the_programs_term_is_warned(w):
    w["program"].term_start, w["program"].term_end = 2020, 2021
    w["program"].save()
    assert term_warnings(w["ask"]) == []
    w["program"].term_end = 2020
    w["program"].save()
    w["ask"].refresh_from_db()
    assert "sau ngày kết thúc của chương trình (31/12/2020)" in term_warnings(w["ask"])[0]
    decided = decide_extension(user=w["monitor"], extension=w["ask"], approve=True)
    assert decided.warnings


def test_the_review_form_grants_an_earlier_date_and_shows_the_warning(w):
    w["program"].term_start, w["program"].term_end = 2016, 2020
    w["program"].save()
    client = Client()
    client.force_login(w["monitor"])
    page = client.get("/review/").content.decode()
    assert "sau ngày kết thúc của chương trình" in page and 'name="granted"' in page
    bad = client.post("/review/", {"kind": "extension", "pk": w["ask"].pk,
                                   "decision": "approve", "granted": "01/05/2021"})  # fmt: skip
    assert "phải sau hạn hiện hành" in bad.content.decode()
    client.post("/review/", {"kind": "extension", "pk": w["ask"].pk, "decision": "approve",
                             "granted": "30/09/2021"})  # fmt: skip
    w["ask"].refresh_from_db()
    assert w["ask"].new_due == date(2021, 9, 30)
