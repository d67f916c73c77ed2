"""What every face receives is read one way (``theodoi.inputs``): text no database stores the
same (NUL, a lone surrogate) is refused at the door with a message, in a form, a query, an
address, a JSON body, a cookie or a command's argument, and nothing is stored; the rest
arrives in NFC, so search finds what a keyboard typed decomposed; far days and a sign-in
name of 10,000 characters get a message, not a server error or a "database failed"."""

from __future__ import annotations

import json
import re
import unicodedata

import pytest
from axes.models import AccessAttempt
from django.test import Client

from theodoi.api.tokens import create_token
from theodoi.cli import main
from theodoi.orgs.choose import find_bodies
from theodoi.programs.models import Occurrence, Program, Task
from theodoi.tracking.models import ProgressReport

NUL_MESSAGE = "ký tự NUL (U+0000)"
SURROGATE_MESSAGE = "nửa ký tự mã hóa hỏng (U+D800)"
JSON = "application/json"


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


@pytest.fixture
def occurrence(example) -> Occurrence:
    return Occurrence.objects.get(
        assignment__task__key="B.III.1.3/2", assignment__organization__code="qn.btctu"
    )


def report_form(occurrence: Occurrence, narrative: str) -> dict:
    return {"form": "report", "occurrence": occurrence.pk, "state": "in_progress",
            "percent": "20", "narrative": narrative, "version": "", "action": "save"}  # fmt: skip


def test_the_one_reading_of_text_and_days():
    from theodoi.inputs import InputError, clean_text, read_day

    assert clean_text(nfd("Tỉnh ủy")) == "Tỉnh ủy"
    for bad, said in (("a\x00b", NUL_MESSAGE), ("a\ud800b", SURROGATE_MESSAGE)):
        with pytest.raises(InputError, match=re.escape(said)):
            clean_text(bad, where="narrative")
    assert read_day("31/12/2021").isoformat() == "2021-12-31"
    assert read_day(" ") is None
    for far in ("31/12/9999", "9999-12-31", "01/01/0001"):
        with pytest.raises(InputError, match="nằm ngoài khoảng năm 1900–2200"):
            read_day(far)
    for garbage in ("31/02/2021", "abc", "2021-13-01"):
        with pytest.raises(InputError, match="không phải là ngày"):
            read_day(garbage)


def test_a_form_with_a_nul_is_refused_and_nothing_is_stored(client_for, occurrence):
    staff = client_for("staff")
    response = staff.post("/work/", report_form(occurrence, "Đang làm\x00 dở"))
    assert response.status_code == 400
    page = response.content.decode()
    assert NUL_MESSAGE in page and "“narrative”" in page and "Chưa có gì được lưu" in page
    assert not ProgressReport.objects.exists()
    assert response["Content-Type"].startswith("text/html")


def test_an_address_or_a_query_with_a_nul_is_refused(client_for):
    monitor = client_for("monitor")
    # On PostgreSQL this was "the database failed, try again" (503): the code went to a query.
    for path in ("/organizations/%00/", "/search/?q=a%00", "/tasks/1/?as_of=%00"):
        response = monitor.get(path)
        assert response.status_code == 400, path
        assert NUL_MESSAGE in response.content.decode()


def bearer(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {create_token(user, 'kiểm thử', by=user)[1]}"}


def test_a_json_body_with_a_nul_or_a_lone_surrogate_is_refused(users, occurrence):
    auth = bearer(users["staff"])
    for text, said in (("Đang làm\x00", NUL_MESSAGE), ("Đang làm \ud800", SURROGATE_MESSAGE)):
        body = json.dumps({"occurrence": occurrence.pk, "state": "in_progress", "narrative": text})
        response = Client().post("/api/progress-reports", body, content_type=JSON, **auth)
        assert response.status_code == 422, response.content
        assert said in response.json()["detail"] and "narrative" in response.json()["detail"]
    # SQLite stored the NUL before (and a backup then would not restore into PostgreSQL).
    assert not ProgressReport.objects.exists()
    key = json.dumps({"occurrence": occurrence.pk, "state": "in_progress", "x\x00": 1})
    response = Client().post("/api/progress-reports", key, content_type=JSON, **auth)
    assert response.status_code == 422
    assert not ProgressReport.objects.exists()


def test_a_cookie_with_a_nul_only_signs_out(example):
    client = Client()
    client.cookies["sessionid"] = "abcdefgh\x00ijklmnop"  # PostgreSQL: a 500 before
    response = client.get("/dashboard/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_text_arrives_in_nfc_and_search_finds_what_was_typed_decomposed(
    client_for, users, occurrence
):
    staff, auth = client_for("staff"), bearer(users["staff"])
    response = staff.post("/work/", report_form(occurrence, nfd("Đã ban hành kế hoạch")))
    assert response.status_code == 302
    assert ProgressReport.objects.get().narrative == "Đã ban hành kế hoạch"
    task = Task.objects.filter(text_key__contains=" du lich ").first()
    assert task is not None
    for typed in (nfd("du lịch"), nfd("DU LỊCH")):
        page = staff.get("/search/", {"q": typed})
        assert page.status_code == 200
        assert task.key in page.content.decode(), typed
        found = Client().get("/api/tasks", {"q": typed}, **auth).json()
        assert task.pk in [row["id"] for row in found["items"]], typed
    # The old and the new tone placement are one name, typed either way.
    typings = ("Ban Tổ chức Tỉnh uỷ", "Ban Tổ chức Tỉnh ủy")
    found = [[b.code for b in find_bodies(t)] for t in (*typings, *map(nfd, typings))]
    assert found[0][0] == "qn.btctu" and all(codes == found[0] for codes in found), found
    page = staff.get("/search/", {"body": nfd("Ban Tổ chức Tỉnh uỷ")})
    assert page.status_code == 200 and page.context["form"].is_valid()


@pytest.mark.parametrize(
    "path",
    ["/dashboard/", "/national/", "/organizations/", "/organizations/qn.btctu/",
     "/programs/{program}/", "/tasks/{task}/", "/search/"],
)  # fmt: skip
@pytest.mark.parametrize("typed", ["31/12/9999", "9999-12-31", "01/01/0001"])
def test_a_far_day_gets_a_message_not_a_server_error(client_for, example, path, typed):
    monitor = client_for("monitor")
    task = Task.objects.filter(program=example).first()
    url = path.format(program=example.pk, task=task.pk)
    response = monitor.get(url, {"as_of": typed})
    assert response.status_code == 200, url
    assert "nằm ngoài khoảng năm 1900–2200" in response.content.decode()


def test_a_far_day_in_a_form_and_in_the_api(client_for, users, occurrence):
    staff = client_for("staff")
    response = staff.post("/work/", {"form": "extension", "occurrence": occurrence.pk,
                                     "new_due": "31/12/9999", "reason": "Chờ"})  # fmt: skip
    assert response.status_code == 200
    assert "nằm ngoài khoảng năm 1900–2200" in response.content.decode()
    auth = bearer(users["monitor"])
    for params in ({"as_of": "9999-12-31"}, {"due_from": "0001-01-01"}):
        response = Client().get("/api/occurrences", params, **auth)
        assert response.status_code == 422
        assert "nằm ngoài khoảng năm 1900–2200" in json.dumps(response.json(), ensure_ascii=False)


def test_a_sign_in_name_of_ten_thousand_characters(example):
    response = Client().post("/login/", {"username": "u" * 10_000, "password": "mat-khau-thu"})
    # PostgreSQL: "database failed, try again" (503), django-axes' column holds 255.
    assert response.status_code == 200
    assert "Tên đăng nhập dài tối đa 150 ký tự" in response.content.decode()
    assert not AccessAttempt.objects.exists()


def test_a_command_argument_that_is_not_text_is_refused(capsys, example):
    with pytest.raises(SystemExit) as stopped:
        main(["orgs", "add", "T\udce9n"])  # a Latin-1 byte, as Python decodes a bad argument
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert "nửa ký tự mã hóa hỏng (U+DCE9)" in error and "đối số thứ 3" in error
    assert Program.objects.count() == 1
