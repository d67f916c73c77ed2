"""Organisation pages, search and the import page, on the example program."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from theodoi.orgs.models import Alias, Organization
from theodoi.orgs.registry import load_registry_file
from theodoi.parsing import example_path
from theodoi.parsing.text import fold
from theodoi.programs.models import (
    Assignment,
    Occurrence,
    PendingImport,
    Program,
    ProgramVersion,
    Task,
)
from theodoi.programs.search import match_span, text_key
from theodoi.tracking.models import Membership, Role
from theodoi.tracking.policy import visible_occurrences
from theodoi.tracking.rollup import overview, program_occurrences
from theodoi.tracking.status import statuses

DAY = dt.date(2021, 12, 31)
TOURISM = {"B.III.3.3/1", "B.III.3.3/2", "B.III.3.3/3"}


def found_keys(response) -> set[str]:
    return {hit.task.key for hit in response.context["task_hits"]}


def all_rows(response) -> list:
    """Every (occurrence, state) of a search, across its pages."""
    return list(response.context["page"].paginator.object_list)


def occurrence_ids(response) -> set[int]:
    rows = all_rows(response)
    return {row[0].pk if isinstance(row, tuple) else row.pk for row in rows}


# ---- search ---------------------------------------------------------------------------------


def test_text_is_matched_without_diacritics_or_case(client_for, example):
    client = client_for("monitor")
    for typed in ("du lich", "DU LỊCH", "du lịch", "Du Lich"):
        response = client.get(reverse("web:search"), {"q": typed})
        assert response.status_code == 200
        assert found_keys(response) >= TOURISM, typed
        # Every task found says "du lịch" in some spelling, and every such task is found.
        expected = {t.key for t in Task.objects.all() if " du lich" in " " + fold(t.text)}
        assert found_keys(response) == expected
    html = response.content.decode()
    assert "<mark>du lịch</mark>" in html


def test_text_search_returns_the_occurrences_of_the_tasks_found(client_for, example):
    response = client_for("monitor").get(reverse("web:search"), {"q": "du lich"})
    tasks = Task.objects.filter(key__in=found_keys(response))
    expected = set(
        Occurrence.objects.filter(
            assignment__task__in=tasks, assignment__organization__isnull=False
        ).values_list("pk", flat=True)
    )
    assert occurrence_ids(response) == expected
    assert response.context["count"] == len(expected)
    assert f'data-count="occurrences">{len(expected)}<' in response.content.decode()


def test_a_text_search_pages_in_due_date_order(client_for, example):
    client = client_for("monitor")
    tasks = [t.pk for t in Task.objects.all() if " to chuc" in " " + fold(t.text)]
    expected = list(
        Occurrence.objects.filter(
            assignment__task__in=tasks, assignment__organization__isnull=False
        )
        .order_by("due_date", "assignment__task__position", "pk")
        .values_list("pk", flat=True)
    )
    assert len(expected) > 50
    first = client.get(reverse("web:search"), {"q": "to chuc"})
    second = client.get(reverse("web:search"), {"q": "to chuc", "page": 2})
    assert first.context["count"] == len(expected)
    shown = [o.pk for o, _state in first.context["rows"] + second.context["rows"]]
    assert shown == expected[: len(shown)] and len(shown) > 50


def test_a_task_key_finds_the_tasks_numbered_under_it(client_for, example):
    response = client_for("staff").get(reverse("web:search"), {"q": "B.III.3.3"})
    assert found_keys(response) == TOURISM
    response = client_for("staff").get(reverse("web:search"), {"q": "B.III.3.3/2"})
    assert found_keys(response) == {"B.III.3.3/2"}


def test_status_filter_matches_the_status_rules(client_for, example):
    response = client_for("monitor").get(
        reverse("web:search"),
        {"program": example.pk, "status": "open_overdue", "as_of": "2021-12-31"},
    )
    assert response.status_code == 200
    states = statuses(program_occurrences(example), as_of=DAY)
    expected = {pk for pk, state in states.items() if state.bucket == "open_overdue"}
    assert expected  # nothing was reported: every deadline of 2020-2021 is overdue
    assert occurrence_ids(response) == expected
    assert response.context["count"] == len(expected)
    assert all(state.bucket == "open_overdue" for _o, state in all_rows(response))
    # The dashboard's figure for it is the same number.
    assert overview(example, as_of=DAY).total.open_overdue == len(expected)


def test_due_soon_and_dd_mm_yyyy_dates(client_for, example):
    response = client_for("monitor").get(
        reverse("web:search"),
        {"program": example.pk, "status": "due_soon", "as_of": "28/03/2021"},
    )
    states = statuses(program_occurrences(example), as_of=dt.date(2021, 3, 28))
    expected = {pk for pk, state in states.items() if state.due_soon}
    assert expected and occurrence_ids(response) == expected


def test_filters_by_area_body_role_and_due_range(client_for, example):
    from theodoi.programs.models import Section

    area = Section.objects.get(program=example, number="B.III.3")
    body = Organization.objects.get(code="qn.btctu")
    response = client_for("monitor").get(
        reverse("web:search"),
        {
            "program": example.pk,
            "area": area.pk,
            "due_from": "01/01/2021",
            "due_to": "2021-12-31",
        },
    )
    rows = all_rows(response)
    assert rows
    for occurrence, state in rows:
        assert occurrence.assignment.task.section.number.startswith("B.III.3.")
        assert dt.date(2021, 1, 1) <= state.due <= dt.date(2021, 12, 31)
    expected = Occurrence.objects.filter(
        assignment__task__section__number__startswith="B.III.3.",
        assignment__organization__isnull=False,
        due_date__range=(dt.date(2021, 1, 1), dt.date(2021, 12, 31)),
    ).count()
    assert response.context["count"] == expected

    response = client_for("monitor").get(
        reverse("web:search"), {"program": example.pk, "body": body.code, "role": "leads"}
    )
    expected = Occurrence.objects.filter(
        assignment__organization=body, assignment__leads=True, assignment__task__program=example
    )
    assert occurrence_ids(response) == set(expected.values_list("pk", flat=True))
    assert response.context["count"] > 0


def test_results_are_paginated_with_shareable_links(client_for, example):
    client = client_for("monitor")
    response = client.get(reverse("web:search"), {"program": example.pk, "as_of": "2021-12-31"})
    total = program_occurrences(example).count()
    assert response.context["count"] == total > 50
    assert len(response.context["rows"]) == 50
    html = response.content.decode()
    assert f"program={example.pk}" in html and "page=2" in html
    second = client.get(
        reverse("web:search"), {"program": example.pk, "as_of": "2021-12-31", "page": 2}
    )
    first_ids = {o.pk for o, _s in response.context["rows"]}
    assert first_ids.isdisjoint({o.pk for o, _s in second.context["rows"]})
    # The form is filled in with what was asked.
    assert 'value="31/12/2021"' in html  # shown dd/mm/yyyy


def test_staff_of_another_body_sees_only_its_own_occurrences(client_for, users, example):
    client = client_for("outsider")  # Ban Tuyên giáo
    own = Organization.objects.get(code="qn.btgtu")
    response = client.get(reverse("web:search"), {"program": example.pk})
    ids = occurrence_ids(response)
    assert ids == set(visible_occurrences(users["outsider"]).values_list("pk", flat=True))
    assert ids and all(
        o.assignment.organization_id == own.pk
        for o in Occurrence.objects.filter(pk__in=ids).select_related("assignment")
    )
    # Another body's occurrences stay hidden, even when asked for by name.
    response = client.get(reverse("web:search"), {"program": example.pk, "body": "qn.btctu"})
    assert response.context["count"] == 0
    # The program's text is not secret: the tasks are found all the same.
    response = client.get(reverse("web:search"), {"q": "du lich"})
    assert found_keys(response) >= TOURISM
    assert all(
        o.assignment.organization_id == own.pk
        for o in Occurrence.objects.filter(pk__in=occurrence_ids(response)).select_related(
            "assignment"
        )
    )


def test_bad_values_are_told_next_to_their_field(client_for, example):
    client = client_for("monitor")
    response = client.get(
        reverse("web:search"),
        {
            "q": "du lich",
            "due_from": "31/02/2021",
            "body": "qn.khong-co",
            "status": "xyz",
            "area": "abc",
            "program": "999999",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "“31/02/2021” không phải là ngày (dd/mm/yyyy)." in errors["due_from"]
    assert "Không có cơ quan nào có mã hoặc tên “qn.khong-co”." in errors["body"]
    assert set(errors) == {"due_from", "body", "status", "area", "program"}
    html = response.content.decode()
    assert "không phải là ngày" in html and 'id="search-errors"' in html
    assert "page" not in response.context  # no results under a half-understood question
    # A range the wrong way round.
    response = client.get(reverse("web:search"), {"due_from": "2021-12-31", "due_to": "2021-01-01"})
    assert "due_to" in response.context["form"].errors


def test_search_needs_an_account_with_a_body(client, example):
    response = client.get(reverse("web:search"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_search_page_without_a_question_shows_the_form(client_for, example):
    response = client_for("staff").get(reverse("web:search"))
    assert response.status_code == 200
    assert 'id="search-form"' in response.content.decode()
    assert "page" not in response.context


# ---- the search rule ------------------------------------------------------------------------


def test_text_key_and_match_span():
    assert text_key("Phát triển DU LỊCH, dịch vụ!") == " phat trien du lich dich vu "
    text = "Đẩy mạnh phát triển du lịch cộng đồng"
    start, end = match_span(text, "DU LICH")
    assert text[start:end] == "du lịch"
    assert match_span(text, "u lich") is None  # a phrase starts a word


def test_task_text_key_is_kept_up_to_date(example):
    task = Task.objects.get(key="B.III.3.3/2")
    assert " thuong hieu du lich " in task.text_key
    task.text = "Xây dựng thương hiệu Ẩm thực"
    task.save(update_fields=["text"])
    task.refresh_from_db()
    assert task.text_key == " xay dung thuong hieu am thuc "


# ---- organisations --------------------------------------------------------------------------


def figures(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-figure="(\w+)">([^<]*)<', html))


def test_organisation_page_agrees_with_the_rollup(client_for, example):
    body = Organization.objects.get(code="qn.btctu")
    row = next(r for r in overview(example, as_of=DAY).by_body if r.key == body.code)
    for who in ("monitor", "staff"):
        response = client_for(who).get(
            reverse("web:organization", args=[body.code]),
            {"program": example.pk, "as_of": "2021-12-31"},
        )
        assert response.status_code == 200
        assert response.context["total"] == row.tally
        shown = figures(response.content.decode())
        for name in ("total", "due", "done_on_time", "open_overdue", "no_deadline", "due_soon"):
            assert shown[name] == str(getattr(row.tally, name)), (who, name)
        tasks = Task.objects.filter(assignments__organization=body).distinct().count()
        assert shown["tasks"] == str(tasks)


def test_organisations_list_agrees_with_the_dashboard(client_for, example):
    response = client_for("leader").get(
        reverse("web:organizations"), {"program": example.pk, "as_of": "2021-12-31"}
    )
    assert response.status_code == 200
    rows = {row.organization.code: row for row in response.context["rows"]}
    view = overview(example, as_of=DAY)
    for expected in view.by_body:
        assert rows[expected.key].tally == expected.tally
    # Sorted by overdue work, most first; every body given work is listed.
    overdue = [row.tally.open_overdue for row in response.context["rows"]]
    assert overdue == sorted(overdue, reverse=True)
    bodies = set(
        Assignment.objects.filter(task__program=example, organization__isnull=False).values_list(
            "organization__code", flat=True
        )
    )
    assert set(rows) == bodies
    by_name = client_for("leader").get(
        reverse("web:organizations"), {"program": example.pk, "sort": "name"}
    )
    keys = [row.organization.name_key for row in by_name.context["rows"]]
    assert keys == sorted(keys)


def test_another_body_sees_the_tasks_but_not_the_progress(client_for, example):
    client = client_for("outsider")  # Ban Tuyên giáo, looking at Ban Tổ chức
    response = client.get(reverse("web:organization", args=["qn.btctu"]), {"program": example.pk})
    assert response.status_code == 200
    assert response.context["sees_progress"] is False
    assert response.context["rows"] and all(not r.occurrences for r in response.context["rows"])
    assert all(not r.roles for r in response.context["rows"])
    html = response.content.decode()
    assert 'id="progress-hidden"' in html and 'data-figure="total"' not in html
    # On the list, only its own body's progress.
    response = client.get(reverse("web:organizations"), {"program": example.pk})
    visible = [row for row in response.context["rows"] if row.tally is not None]
    assert [row.organization.code for row in visible] == ["qn.btgtu"]


def test_unknown_organisation_is_a_404(client_for, example):
    response = client_for("monitor").get(reverse("web:organization", args=["qn.khong-co"]))
    assert response.status_code == 404


# ---- import ---------------------------------------------------------------------------------


@pytest.fixture
def office(db):
    """The registry and a monitor and a staff member, with no program yet."""
    load_registry_file(None)
    made = {}
    for username, code, role in (
        ("monitor", "qn.vptu", Role.MONITOR),
        ("staff", "qn.btctu", Role.STAFF),
    ):
        user = get_user_model().objects.create_user(username, password="mat-khau-thu")
        Membership.objects.create(
            user=user, organization=Organization.objects.get(code=code), role=role
        )
        client = Client()
        client.force_login(user)
        made[username] = client
    return made


def upload(client: Client, name: str, data: bytes):
    """Send a file; a file read lands on its draft page (followed here)."""
    return client.post(
        reverse("web:import"), {"document": SimpleUploadedFile(name, data)}, follow=True
    )


def kept_uploads() -> list[Path]:
    """Nothing an upload sends is kept as a file: it is read at once, the draft is kept."""
    folder = Path(settings.DATA_DIR) / "imports"
    return list(folder.iterdir()) if folder.exists() else []


def test_import_the_example_preview_then_confirm(office):
    client = office["monitor"]
    response = upload(client, "chuong-trinh.md", example_path().read_bytes())
    assert response.status_code == 200
    preview = response.context["preview"]
    assert response.redirect_chain[-1][0] == reverse("web:import_draft", args=[preview.token])
    assert preview.error == "" and preview.summary is not None
    parts = {number: count for number, _title, count, _depth in preview.parts}
    assert parts["B.III"] == 100
    html = response.content.decode()
    assert 'data-count="B.III">100<' in html
    assert 'data-count="tasks">106<' in html
    assert html.count('class="task') >= 106  # every task is listed
    assert "Xác nhận nhập" in html
    assert Program.objects.count() == 0  # nothing saved yet
    assert kept_uploads() == []
    pending = PendingImport.objects.get()
    assert re.fullmatch(r"[0-9a-f]{32}", pending.token) and pending.name == "chuong-trinh.md"

    response = client.post(reverse("web:import"), {"token": preview.token, "action": "confirm"})
    program = Program.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("web:program", args=[program.pk])
    assert program.tasks.count() == 106
    assert program.current_version.source_name == "chuong-trinh.md"
    assert not PendingImport.objects.exists()
    message = [str(m) for m in response.wsgi_request._messages]
    assert any("106 nhiệm vụ" in m for m in message)
    # The same token cannot be used twice.
    again = client.post(reverse("web:import"), {"token": preview.token, "action": "confirm"})
    assert again.status_code == 302 and again["Location"] == reverse("web:import")
    assert ProgramVersion.objects.count() == 1


def test_a_broken_pdf_gives_the_parser_message_and_saves_nothing(office):
    before = set(kept_uploads())
    response = upload(office["monitor"], "hong.pdf", b"%PDF-1.7\n" + b"\x00garbage" * 300)
    assert response.status_code == 200
    errors = response.context["form"].errors["document"]
    assert errors and errors[0].startswith("hong.pdf: ")
    assert "hong.pdf" in response.content.decode()
    assert Program.objects.count() == 0
    assert set(kept_uploads()) == before


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("rong.md", b"", "tệp rỗng"),
        ("anh.png", b"\x89PNG\r\n", "định dạng không hỗ trợ: .png"),
        ("cu.doc", b"just text", ".docx"),
    ],
)
def test_unreadable_files_are_refused(office, name, data, says):
    response = upload(office["monitor"], name, data)
    errors = response.context["form"].errors["document"]
    assert errors[0].startswith(f"{name}: ") and says in errors[0]
    assert Program.objects.count() == 0


@override_settings(THEODOI_IMPORT_MAX_BYTES=1000)
def test_too_large_a_file_is_refused(office):
    response = upload(office["monitor"], "lon.md", b"x" * 2000)
    assert "tệp quá lớn" in response.context["form"].errors["document"][0]
    assert Program.objects.count() == 0


def test_import_is_for_the_office_only(office):
    client = office["staff"]
    assert client.get(reverse("web:import")).status_code == 403
    response = upload(client, "chuong-trinh.md", example_path().read_bytes())
    assert response.status_code == 403
    assert Program.objects.count() == 0


def test_staff_gets_403_with_the_shared_accounts(client_for):
    assert client_for("staff").get(reverse("web:import")).status_code == 403
    assert client_for("head").get(reverse("web:import")).status_code == 403
    assert client_for("monitor").get(reverse("web:import")).status_code == 200
    assert client_for("admin").get(reverse("web:import")).status_code == 200


SMALL = """KẾ HOẠCH
thực hiện thử nghiệm

Số 07-KH/TU

I. Nhiệm vụ

1. Tổng kết công tác du lịch biển đảo.

+ *Cơ quan chủ trì:* Ban Chỉ đạo Du lịch Biển Đảo tỉnh.

+ *Cơ quan phối hợp:* Ban Tổ chức Tỉnh ủy.

+ *Thời gian hoàn thành:* Trong quý II/2021.
"""


def test_names_the_registry_does_not_know_are_mapped_in_the_draft(office):
    client = office["monitor"]
    response = upload(client, "ke-hoach.md", SMALL.encode())
    preview = response.context["preview"]
    names = [item["name"] for item in preview.names]
    name = next(n for n in names if "Biển Đảo" in n)
    html = response.content.decode()
    assert f'data-name="{name}"' in html and 'value="map"' in html
    correct = reverse("web:import_correct", args=[preview.token])
    # A code that is not a known body: back to the draft with the message, nothing changed.
    response = client.post(
        correct, {"op": "map", "name": name, "body": "qn.khong-co", "alias": "1"}, follow=True
    )
    assert "Không có cơ quan mã “qn.khong-co”" in response.content.decode()
    assert PendingImport.objects.get().names[fold(name)]["decision"] == ""
    response = client.post(correct, {"op": "map", "name": name, "body": "qn.vptu", "alias": "1"})
    assert response.status_code == 302
    response = client.post(reverse("web:import"), {"token": preview.token, "action": "confirm"})
    assert response.status_code == 302
    target = Organization.objects.get(code="qn.vptu")
    assert Assignment.objects.filter(organization=target, leads=True).exists()
    assert Alias.objects.filter(organization=target, key=fold(name)).exists()
    assert not Organization.objects.filter(unresolved=True, name_key=fold(name)).exists()


def test_an_amended_document_becomes_a_new_version(client_for, example):
    text = example_path().read_text(encoding="utf-8")
    cut = "- Xây dựng Chương trình định vị và phát triển thương hiệu du lịch Quảng Ngãi"
    start = text.index(cut)
    end = text.index("\n- ", start + 1)
    amended = text[:start] + text[end + 1 :]
    client = client_for("monitor")
    response = upload(client, "dieu-chinh.md", amended.encode())
    preview = response.context["preview"]
    assert preview.summary.version == 2
    assert preview.existing == example
    html = response.content.decode()
    assert "lần 2" in html
    response = client.post(reverse("web:import"), {"token": preview.token, "action": "confirm"})
    assert response.status_code == 302
    assert example.versions.count() == 2
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("lần 2" in m and "bãi bỏ 1" in m for m in messages), messages
    gone = Task.objects.get(text__contains="định vị và phát triển thương hiệu du lịch")
    assert gone.withdrawn_in is not None


def test_the_same_document_again_changes_nothing(client_for, example):
    client = client_for("monitor")
    response = upload(client, "lai.md", example_path().read_bytes())
    assert response.context["preview"].summary.unchanged
    response = client.post(
        reverse("web:import"), {"token": response.context["preview"].token, "action": "confirm"}
    )
    assert response.status_code == 302
    assert example.versions.count() == 1


def test_cancel_removes_the_upload(office):
    client = office["monitor"]
    response = upload(client, "chuong-trinh.md", example_path().read_bytes())
    token = response.context["preview"].token
    response = client.post(reverse("web:import"), {"token": token, "action": "cancel"})
    assert response.status_code == 302
    assert not PendingImport.objects.exists()
    assert Program.objects.count() == 0


def test_an_upload_is_its_owners_in_any_session_and_nobody_elses(office):
    response = upload(office["monitor"], "chuong-trinh.md", example_path().read_bytes())
    token = response.context["preview"].token
    # The same person signed in again (a new session, the next morning) finds the draft.
    again = Client()
    again.force_login(get_user_model().objects.get(username="monitor"))
    assert again.get(reverse("web:import_draft", args=[token])).status_code == 200
    # Another member of the office does not.
    colleague = get_user_model().objects.create_user("monitor2", password="mat-khau-thu")
    Membership.objects.create(
        user=colleague, organization=Organization.objects.get(code="qn.vptu"), role=Role.MONITOR
    )
    other = Client()
    other.force_login(colleague)
    response = other.post(reverse("web:import"), {"token": token, "action": "confirm"})
    assert response.status_code == 302 and response["Location"] == reverse("web:import")
    assert other.get(reverse("web:import_draft", args=[token])).status_code == 302
    correct = reverse("web:import_correct", args=[token])
    assert other.post(correct, {"op": "remove", "task": "B.III.1.1/1"}).status_code == 404
    assert Program.objects.count() == 0
    response = other.post(reverse("web:import"), {"token": "../../etc/passwd", "action": "confirm"})
    assert response.status_code == 302
