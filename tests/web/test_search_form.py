"""The search page's filters at a country's size: areas of the chosen program (or of the
top-level programs) only; bodies as a list up to a limit, past it a field where a body's code or
name is typed, with a Vietnamese message naming the candidates when the name is not clear."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from theodoi.orgs.models import Organization
from theodoi.programs.models import Section
from theodoi.web.views import search as search_view


def ids(response) -> set[int]:
    """The occurrences found, across every page."""
    rows = response.context["page"].paginator.object_list
    return {row[0].pk if isinstance(row, tuple) else row.pk for row in rows}


def offered_sections(response) -> set[int]:
    return {pk for _group, options in response.context["sections"] for pk, _label in options}


def body_field(response) -> str:
    content = response.content.decode()
    start = content.index('<label for="body">')
    return content[start : content.index('<div class="field"><label for="role">', start)]


@pytest.fixture
def typed_bodies(monkeypatch):
    """A country's registry, in effect: fewer bodies than the example has make the list."""
    monkeypatch.setattr(search_view, "BODY_LIST_LIMIT", 5)


# ---- bodies ---------------------------------------------------------------------------------


def test_a_province_keeps_its_list_of_bodies(client_for, example):
    response = client_for("monitor").get(reverse("web:search"))
    field = body_field(response)
    assert '<select id="body" name="body">' in field
    with_work = Organization.objects.filter(assignments__isnull=False).distinct()
    assert with_work.count() > 5
    for code in with_work.values_list("code", flat=True):
        assert f'<option value="{code}"' in field


def test_past_the_limit_the_body_is_typed_by_name_without_diacritics(
    client_for, example, typed_bodies
):
    client = client_for("monitor")
    field = body_field(client.get(reverse("web:search")))
    assert '<input type="search" id="body" name="body"' in field and "<option" not in field

    body = Organization.objects.get(code="qn.btctu")  # Ban Tổ chức Tỉnh ủy
    asked = {"program": example.pk}
    by_code = client.get(reverse("web:search"), {**asked, "body": "qn.btctu"})
    assert by_code.context["body"] == body and ids(by_code)
    for typed in ("ban to chuc tinh uy", "BAN TỔ CHỨC TỈNH ỦY", "  Ban Tổ chức Tỉnh uỷ "):
        response = client.get(reverse("web:search"), {**asked, "body": typed})
        assert response.context["body"] == body, typed
        assert ids(response) == ids(by_code)
    # The field shows the body chosen; sending back what it shows finds the same body.
    shown = f"{body.name} ({body.code})"
    assert f'value="{html.escape(shown)}"' in body_field(response)
    again = client.get(reverse("web:search"), {**asked, "body": shown})
    assert again.context["body"] == body and ids(again) == ids(by_code)


def test_a_name_written_in_full_wins_over_the_names_containing_it(
    client_for, example, typed_bodies
):
    client = client_for("monitor")
    # "Tỉnh ủy" is in a dozen names; written whole, it is the Tỉnh ủy.
    response = client.get(reverse("web:search"), {"body": "tinh uy"})
    assert response.context["body"].code == "qn.tu"
    # Another name the registry knows for a body (an alias) finds it too.
    response = client.get(reverse("web:search"), {"body": "ban chap hanh dang bo tinh"})
    assert response.context["body"].code == "qn.tu"
    response = client.get(reverse("web:search"), {"body": "ban thuong vu"})
    assert response.context["body"].code == "qn.btv"
    # A part of one name only.
    response = client.get(reverse("web:search"), {"body": "to chuc tinh"})
    assert response.context["body"].code == "qn.btctu"


def test_a_typed_body_that_matches_nothing_or_several_is_told_in_vietnamese(
    client_for, example, typed_bodies
):
    client = client_for("monitor")
    response = client.get(reverse("web:search"), {"q": "du lich", "body": "so khong ton tai"})
    assert response.context["form"].errors["body"] == [
        "Không có cơ quan nào có mã hoặc tên “so khong ton tai”."
    ]
    assert "page" not in response.context  # no results for a half-understood question
    assert 'value="so khong ton tai"' in body_field(response)  # what was typed stays

    response = client.get(reverse("web:search"), {"q": "du lich", "body": "huyen uy"})
    assert response.context["form"].errors["body"] == [
        "“huyen uy” khớp với nhiều cơ quan; chọn một dưới đây, hoặc gõ đủ tên hay mã."
    ]
    field = body_field(response)
    shown = re.findall(r'<a href="\?([^"]*)">([^<]*)</a> <span class="muted">\(([^)]*)\)', field)
    assert len(shown) == search_view.CANDIDATES_SHOWN  # eleven Huyện ủy: the first eight
    assert "… và các cơ quan khác" in field
    for query, name, code in shown:
        assert name.startswith("Huyện ủy") and Organization.objects.get(code=code).name == name
        assert f"body={code}" in html.unescape(query) and "q=du+lich" in html.unescape(query)
    # Following a candidate's link searches with that body.
    query, _name, code = shown[0]
    chosen = client.get(reverse("web:search") + "?" + html.unescape(query))
    assert chosen.context["form"].is_valid() and chosen.context["body"].code == code


def test_a_listed_body_is_kept_when_it_has_no_work_in_the_program(client_for, example):
    idle = Organization.objects.filter(assignments__isnull=True).order_by("pk").first()
    response = client_for("monitor").get(
        reverse("web:search"), {"program": example.pk, "body": idle.code}
    )
    assert response.context["count"] == 0
    assert f'<option value="{idle.code}" selected>' in body_field(response)


# ---- areas ----------------------------------------------------------------------------------


def test_areas_are_those_of_the_chosen_program_or_of_the_top_level_ones(
    client_for, example, district
):
    client = client_for("monitor")
    own = set(Section.objects.filter(program=example).values_list("pk", flat=True))
    lower = set(Section.objects.filter(program=district).values_list("pk", flat=True))
    assert own and lower

    # No program chosen: the programs the picker lists (the top-level one), not those below.
    assert offered_sections(client.get(reverse("web:search"))) == own
    # A program chosen: its own areas only.
    response = client.get(reverse("web:search"), {"program": district.pk})
    assert offered_sections(response) == lower
    # An area of a lower program asked for by a link stays offered, and chosen.
    area = Section.objects.filter(program=district).order_by("position").first()
    response = client.get(reverse("web:search"), {"area": area.pk})
    assert offered_sections(response) == own | lower
    assert response.context["form"].is_valid()
    assert f'<option value="{area.pk}" selected>' in response.content.decode()
    # An area of another program than the one chosen is an error, next to the field.
    response = client.get(reverse("web:search"), {"program": example.pk, "area": area.pk})
    assert response.context["form"].errors["area"] == ["Mục này không thuộc chương trình đã chọn."]
    assert offered_sections(response) == own
