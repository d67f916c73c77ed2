"""Importing a program through the API: send the document, check and correct the draft,
confirm (``theodoi.programs.drafts``, as the web page does). The office and administrators
only; an upload is its sender's and lasts a day; a refused upload, correction or
confirmation stores nothing."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.utils import timezone

from theodoi.api.tokens import create_token
from theodoi.orgs.models import Organization
from theodoi.parsing import example_path, parse_file
from theodoi.programs.models import (
    Occurrence,
    PendingImport,
    Program,
    ProgramVersion,
    Task,
)
from theodoi.tracking.models import Membership, Role

IMPORTS = "/api/imports/"
DOCUMENT = Path(__file__).parents[1] / "programs" / "data" / "ke-hoach-chuyen-doi-so.md"
SMALL = """# CHƯƠNG TRÌNH HÀNH ĐỘNG thực hiện Nghị quyết thử

Số 77-CTr/TU

## III. NHIỆM VỤ

1. Ban Tổ chức Tỉnh ủy chủ trì xây dựng kế hoạch tinh giản biên chế. Thời gian: quý II/2021.

2. Ban Tuyên giáo Tỉnh ủy tuyên truyền nghị quyết. Thời gian: thường xuyên.
""".encode()
REPORT = (
    "TỈNH ỦY QUẢNG NGÃI\n\nBÁO CÁO\n\nkết quả công tác tháng 11 năm 2026\n\n"
    "Trong tháng, các cơ quan đã hoàn thành tốt nhiệm vụ được giao.\n"
).encode()


class Sender:
    """Posts and reads as one account, with its own token."""

    def __init__(self, user) -> None:
        self.client = Client()
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {create_token(user, 't')[1]}"}

    def upload(self, name: str, data: bytes, **options: str):
        return self.client.post(
            IMPORTS, {"document": SimpleUploadedFile(name, data), **options}, **self.auth
        )

    def post(self, url: str, payload: dict):
        return self.client.post(
            url, json.dumps(payload), content_type="application/json", **self.auth
        )

    def confirm(self, pending_id: str, options: dict | None = None):
        return self.post(f"{IMPORTS}{pending_id}/confirm", options or {})

    def correct(self, pending_id: str, **payload):
        return self.post(f"{IMPORTS}{pending_id}/corrections", payload)

    def get(self, url):
        return self.client.get(url, **self.auth)

    def delete(self, url):
        return self.client.delete(url, **self.auth)


@pytest.fixture
def sender(users):
    """``sender("monitor")``: an account of tests/conftest.py's ``users``."""
    return lambda username: Sender(users[username])


def kept() -> int:
    return PendingImport.objects.count()


def test_upload_answers_the_parse_result_then_confirm_imports(sender, users):
    monitor = sender("monitor")
    response = monitor.upload("chương trình.md", SMALL)
    assert response.status_code == 201, response.content
    preview = response.json()
    assert re.fullmatch(r"[0-9a-f]{32}", preview["id"])
    assert preview["name"] == "chương trình.md"
    expected = parse_file_bytes(SMALL)
    assert preview["draft"] == json.loads(json.dumps(expected))
    assert preview["draft"]["schema"] == "theodoi.program/1"
    assert [t["id"] for t in preview["tasks"]] == [t["id"] for t in expected["tasks"]]
    assert len(preview["tasks"]) == 2
    assert preview["warnings"] == expected["warnings"]
    assert preview["impact"]["number"] == "77-CTr/TU" and preview["impact"]["existing"] is None
    assert preview["corrections"] == []
    assert Program.objects.filter(number="77-CTr/TU").count() == 0  # nothing stored yet
    kept_upload = PendingImport.objects.get(token=preview["id"])
    assert kept_upload.owner == users["monitor"] and kept_upload.name == "chương trình.md"
    assert monitor.get(f"{IMPORTS}{preview['id']}").json() == preview

    response = monitor.confirm(preview["id"])
    assert response.status_code == 200, response.content
    summary = response.json()
    program = Program.objects.get(number="77-CTr/TU")
    assert summary["program_id"] == program.pk and summary["program"] == "77-CTr/TU"
    assert (summary["version"], summary["unchanged"], summary["tasks"]) == (1, False, 2)
    assert (summary["created"], summary["aliases"]) == ([], 0)
    assert Task.objects.filter(program=program).count() == 2
    assert program.current_version.source_name == "chương trình.md"
    assert program.current_version.author == users["monitor"]
    assert kept() == 0

    # Used once: confirming again is 404, and the program is not imported twice.
    again = monitor.confirm(preview["id"])
    assert again.status_code == 404
    assert "hãy tải lên lại" in again.json()["detail"]
    assert ProgramVersion.objects.filter(program=program).count() == 1


def parse_file_bytes(data: bytes) -> dict:
    import tempfile

    from theodoi.orgs.registry import registry_from_database

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.md"
        path.write_bytes(data)
        return parse_file(path, registry=registry_from_database()).to_dict()


def test_the_same_document_again_changes_nothing(sender, example):
    monitor = sender("admin")
    preview = monitor.upload("ctr.md", example_path().read_bytes()).json()
    summary = monitor.confirm(preview["id"]).json()
    assert summary["unchanged"] is True and summary["program"] == example.number
    assert ProgramVersion.objects.filter(program=example).count() == 1


def test_a_lower_level_program_is_linked_to_its_parent(sender, example):
    monitor = sender("monitor")
    preview = monitor.upload("huyen.md", SMALL).json()
    bad = monitor.confirm(preview["id"], {"parent": "KHONG-CO"})
    assert bad.status_code == 422
    assert bad.json()["detail"].startswith("huyen.md: ")
    assert not Program.objects.filter(number="77-CTr/TU").exists()
    orphan = monitor.confirm(preview["id"], {"parent_task": "B.II.1"})
    assert orphan.status_code == 422
    # The upload survives a refused confirmation: confirm again with the right options.
    response = monitor.confirm(preview["id"], {"parent": example.number})
    assert response.status_code == 200, response.content
    program = Program.objects.get(number="77-CTr/TU")
    assert program.parent_program == example


@pytest.mark.parametrize("role", ["staff", "head", "leader", "outsider"])
def test_import_is_for_the_office_and_administrators(sender, example, role):
    before = (kept(), Program.objects.count())
    response = sender(role).upload("ctr.md", SMALL)
    assert response.status_code == 403
    assert response.json()["detail"] == "Bạn không có quyền nhập chương trình."
    assert (kept(), Program.objects.count()) == before


def test_someone_elses_or_an_expired_upload_is_404(sender, users):
    monitor, admin = sender("monitor"), sender("admin")
    preview = monitor.upload("ctr.md", SMALL).json()
    for call in (
        lambda: admin.confirm(preview["id"]),
        lambda: admin.get(f"{IMPORTS}{preview['id']}"),
        lambda: admin.delete(f"{IMPORTS}{preview['id']}"),
        lambda: admin.correct(preview["id"], op="remove", task="III.1"),
        lambda: monitor.confirm("../../etc/passwd"),
        lambda: monitor.confirm("0" * 32),
    ):
        assert call().status_code == 404
    assert not Program.objects.filter(number="77-CTr/TU").exists()
    assert len(monitor.get(f"{IMPORTS}{preview['id']}").json()["tasks"]) == 2

    # A day later it is gone.
    PendingImport.objects.filter(token=preview["id"]).update(expires_at=timezone.now())
    assert monitor.get(f"{IMPORTS}{preview['id']}").status_code == 404
    assert monitor.confirm(preview["id"]).status_code == 404
    assert not Program.objects.filter(number="77-CTr/TU").exists()


def test_stale_uploads_are_removed_when_another_comes(sender, users):
    monitor = sender("monitor")
    old = monitor.upload("cu.md", SMALL).json()
    PendingImport.objects.filter(token=old["id"]).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    new = monitor.upload("moi.md", SMALL).json()
    assert list(PendingImport.objects.values_list("token", flat=True)) == [new["id"]]
    assert monitor.confirm(old["id"]).status_code == 404


def test_cancel_removes_the_upload(sender):
    monitor = sender("monitor")
    preview = monitor.upload("ctr.md", SMALL).json()
    assert monitor.delete(f"{IMPORTS}{preview['id']}").status_code == 204
    assert kept() == 0
    assert monitor.confirm(preview["id"]).status_code == 404


@pytest.mark.parametrize(
    ("name", "data", "status", "says"),
    [
        ("rong.md", b"", 422, "tệp rỗng"),
        ("anh.png", b"\x89PNG\r\n", 422, "định dạng không hỗ trợ: .png"),
        ("cu.doc", b"just text", 422, ".docx"),
        ("hong.pdf", b"%PDF-1.7\n" + b"\x00garbage" * 300, 422, "hong.pdf: "),
        ("virus.txt", b"MZ\x90\x00\x03\x00", 422, "không phải văn bản chương trình"),
        ("nhiphan.md", b"abc\x00\x01\x02def" * 10, 422, "không phải văn bản chương trình"),
        ("khongduoi", b"text", 422, "không có đuôi tệp"),
    ],
)
def test_unreadable_files_are_refused_and_not_kept(sender, users, name, data, status, says):
    before = (kept(), Program.objects.count())
    response = sender("monitor").upload(name, data)
    assert response.status_code == status
    assert response.json()["detail"].startswith(f"{name}: ") and says in response.json()["detail"]
    assert (kept(), Program.objects.count()) == before


@override_settings(THEODOI_IMPORT_MAX_BYTES=1000)
def test_too_large_a_file_is_413(sender, users):
    response = sender("monitor").upload("lon.md", b"x" * 2000)
    assert response.status_code == 413
    assert "tệp quá lớn" in response.json()["detail"]
    assert kept() == 0


def test_a_missing_file_is_422(sender, users):
    monitor = sender("monitor")
    response = monitor.client.post(IMPORTS, {}, **monitor.auth)
    assert response.status_code == 422


# --- The draft: what the web page shows, corrected through the API ------------------------------


def test_the_preview_shows_tasks_bodies_dates_names_and_impact(sender):
    preview = sender("monitor").upload(DOCUMENT.name, DOCUMENT.read_bytes()).json()
    rows = {row["id"]: row for row in preview["tasks"]}
    assert list(rows) == ["II.1", "II.2", "II.3", "II.4", "II.5"]
    first = rows["II.1"]
    assert first["section"] == "II" and first["section_title"]
    lead = next(b for b in first["bodies"] if "leads" in b["roles"])
    assert (lead["code"], lead["new"], lead["unknown"]) == ("qn.btctu", False, "")
    assert (first["time_text"], first["time_kind"]) == ("Quý IV/2026", "deadline")
    assert [(p["due"], p["label"]) for p in first["periods"]] == [("2026-12-31", "Hạn 31/12/2026")]
    # The names the registry does not know: undecided, with the tasks naming them.
    names = {n["name"]: n for n in preview["unknown_names"]}
    assert set(names) == {"Trung tâm Dữ liệu tỉnh", "Trung tâm"}
    assert (names["Trung tâm"]["decision"], names["Trung tâm"]["tasks"]) == ("", ["II.3"])
    assert {r["field"] for r in rows["II.3"]["review"]} >= {"assignments"}
    assert [b["code"] for b in rows["II.3"]["bodies"]].count(None) == 2
    # The draft in the parser's contract, without the service's bookkeeping.
    entries = [e for t in preview["draft"]["tasks"] for e in t["assignments"]]
    assert not any({"unknown", "fragment"} & set(e) for e in entries)
    assert preview["impact"] == {
        "number": "05-KH/TU", "existing": None, "unchanged": False, "tasks": 5,
        "periods": preview["impact"]["periods"], "added": list(rows), "removed": [],
        "changed": [], "error": "",
    }  # fmt: skip


def test_corrections_through_the_api_are_what_confirm_stores(sender, users):
    monitor = sender("monitor")
    preview = monitor.upload(DOCUMENT.name, DOCUMENT.read_bytes()).json()
    pending_id = preview["id"]

    response = monitor.correct(pending_id, op="lead", task="II.2", body="qn.bdvtu")
    assert response.status_code == 200, response.content
    changed = response.json()
    assert changed["shown"] == ["II.2"]
    row = next(t for t in changed["tasks"] if t["id"] == "II.2")
    assert [b["code"] for b in row["bodies"] if "leads" in b["roles"]] == ["qn.bdvtu"]
    assert "qn.btgtu" in [b["code"] for b in row["bodies"] if "coordinates" in b["roles"]]

    response = monitor.correct(pending_id, op="time", task="II.5", text="30/9/2026")
    assert response.status_code == 200, response.content
    row = next(t for t in response.json()["tasks"] if t["id"] == "II.5")
    assert row["time_text"] == "30/9/2026"
    assert [p["due"] for p in row["periods"]] == ["2026-09-30"]
    for name in ("Trung tâm Dữ liệu tỉnh", "Trung tâm"):
        assert monitor.correct(pending_id, op="map", name=name, body="qn.vptu").status_code == 200

    preview = monitor.get(f"{IMPORTS}{pending_id}").json()  # kept, as a reload finds it
    assert [c["op"] for c in preview["corrections"]] == ["lead", "time", "map", "map"]
    assert preview["corrections"][0]["by"] == "monitor"
    assert preview["corrections"][1]["before"]["time"] == "trong năm 2026"
    assert {n["decision"] for n in preview["unknown_names"]} == {"map"}

    response = monitor.confirm(pending_id)
    assert response.status_code == 200, response.content
    program = Program.objects.get(number="05-KH/TU")
    second = program.tasks.get(key="II.2")
    assert second.lead.code == "qn.bdvtu"
    fifth = program.tasks.get(key="II.5")
    assert fifth.time_text == "30/9/2026"
    dues = Occurrence.objects.filter(assignment__task=fifth).values_list("due_date", flat=True)
    assert set(dues) == {dt.date(2026, 9, 30)}
    assert program.tasks.get(key="II.3").lead.code == "qn.vptu"
    version = program.current_version
    assert version.author == users["monitor"]
    assert [c["op"] for c in version.corrections] == ["lead", "time", "map", "map"]


def test_a_time_not_understood_is_422_and_changes_nothing(sender):
    monitor = sender("monitor")
    pending_id = monitor.upload(DOCUMENT.name, DOCUMENT.read_bytes()).json()["id"]
    before = PendingImport.objects.values("draft", "corrections").get(token=pending_id)
    response = monitor.correct(pending_id, op="time", task="II.1", text="sớm nhất")
    assert response.status_code == 422
    assert response.json()["detail"].startswith("Không hiểu thời gian “sớm nhất”")
    assert PendingImport.objects.values("draft", "corrections").get(token=pending_id) == before


@pytest.mark.parametrize(
    "payload",
    [
        {"op": "rename", "task": "II.1"},  # no such op
        {"op": "time", "task": "II.1"},  # its text missing
        {"op": "split", "task": "II.1", "at": "thứ hai"},  # not a number
        {"op": "roles", "task": "II.1", "index": 0, "roles": ["boss"]},  # not a role
        {"op": "map", "name": "Trung tâm", "body": "qn.vptu", "alias": "có lẽ"},
        {"op": "lead", "task": "II.1", "body": "qn.vptu", "extra": 1},  # a field no op has
    ],
)
def test_a_correction_that_does_not_fit_its_schema_is_422(sender, payload):
    monitor = sender("monitor")
    pending_id = monitor.upload(DOCUMENT.name, DOCUMENT.read_bytes()).json()["id"]
    response = monitor.post(f"{IMPORTS}{pending_id}/corrections", payload)
    assert response.status_code == 422
    assert response.json()["errors"]
    assert PendingImport.objects.get(token=pending_id).corrections == []


def test_a_correction_the_service_refuses_is_422_with_its_message(sender):
    monitor = sender("monitor")
    pending_id = monitor.upload(DOCUMENT.name, DOCUMENT.read_bytes()).json()["id"]
    response = monitor.correct(pending_id, op="lead", task="II.1", body="khong.co")
    assert response.status_code == 422
    assert response.json()["detail"] == "Không có cơ quan mã “khong.co” trong danh mục."
    response = monitor.correct(pending_id, op="remove", task="IX.9")
    assert response.status_code == 422 and "IX.9" in response.json()["detail"]


def test_a_body_created_in_the_draft_is_stored_at_confirmation(sender):
    monitor = sender("monitor")
    pending_id = monitor.upload(DOCUMENT.name, DOCUMENT.read_bytes()).json()["id"]
    created = monitor.correct(pending_id, op="create", name="Trung tâm Dữ liệu tỉnh",
                              level="province", parent="qn.ubnd")  # fmt: skip
    assert created.status_code == 200, created.content
    lead = next(b for b in next(t for t in created.json()["tasks"] if t["id"] == "II.3")["bodies"]
                if "leads" in b["roles"])  # fmt: skip
    assert lead["new"] and lead["code"].startswith("new:")
    assert monitor.correct(pending_id, op="fragment", name="Trung tâm").status_code == 200
    assert not Organization.objects.filter(name="Trung tâm Dữ liệu tỉnh").exists()
    summary = monitor.confirm(pending_id).json()
    body = Organization.objects.get(name="Trung tâm Dữ liệu tỉnh")
    assert summary["created"] == [body.code] and body.parent.code == "qn.ubnd"
    assert Program.objects.get(number="05-KH/TU").tasks.get(key="II.3").lead == body


@pytest.mark.parametrize("role", ["staff", "head"])
def test_a_bodys_staff_and_head_cannot_upload_correct_or_confirm(sender, role):
    pending_id = sender("monitor").upload(DOCUMENT.name, DOCUMENT.read_bytes()).json()["id"]
    other = sender(role)
    before = PendingImport.objects.values("draft", "corrections").get(token=pending_id)
    for response in (
        other.upload(DOCUMENT.name, DOCUMENT.read_bytes()),
        other.correct(pending_id, op="time", task="II.1", text="Quý I/2027"),
        other.confirm(pending_id),
        other.get(f"{IMPORTS}{pending_id}"),
        other.delete(f"{IMPORTS}{pending_id}"),
    ):
        assert response.status_code == 403
        assert response.json()["detail"] == "Bạn không có quyền nhập chương trình."
    assert PendingImport.objects.values("draft", "corrections").get(token=pending_id) == before
    assert kept() == 1 and not Program.objects.filter(number="05-KH/TU").exists()


def test_another_monitors_upload_is_404(sender, users):
    second = get_user_model().objects.create_user("monitor2", password="mat-khau-thu")
    Membership.objects.create(
        user=second, organization=Organization.objects.get(code="qn.vptu"), role=Role.MONITOR
    )
    pending_id = sender("monitor").upload(DOCUMENT.name, DOCUMENT.read_bytes()).json()["id"]
    other = Sender(second)
    for response in (
        other.get(f"{IMPORTS}{pending_id}"),
        other.correct(pending_id, op="time", task="II.1", text="Quý I/2027"),
        other.confirm(pending_id),
        other.delete(f"{IMPORTS}{pending_id}"),
    ):
        assert response.status_code == 404
    assert PendingImport.objects.get(token=pending_id).corrections == []
    assert not Program.objects.filter(number="05-KH/TU").exists()


def test_a_document_without_tasks_is_refused_at_confirmation(sender):
    monitor = sender("monitor")
    response = monitor.upload("bao-cao.md", REPORT)
    assert response.status_code == 201, response.content
    preview = response.json()
    assert preview["tasks"] == []
    before = Program.objects.count()
    response = monitor.confirm(preview["id"])
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail.startswith("bao-cao.md: không đọc được nhiệm vụ nào, nên không nhập được.")
    assert Program.objects.count() == before
    assert kept() == 1  # kept: tasks can still be added, then confirmed


def test_options_sent_with_the_upload_are_kept_and_checked(sender, example):
    monitor = sender("monitor")
    response = monitor.upload("ctr.md", SMALL, parent="KHONG-CO")
    assert response.status_code == 422
    assert response.json()["detail"] == "Không có chương trình cấp trên số KHONG-CO."
    assert kept() == 0
    preview = monitor.upload("ctr.md", SMALL, parent=example.number).json()
    assert preview["options"]["parent"] == example.number
    response = monitor.confirm(preview["id"])
    assert response.status_code == 200, response.content
    assert Program.objects.get(number="77-CTr/TU").parent_program == example


def test_links_need_a_parent_program(sender):
    monitor = sender("monitor")
    pending_id = monitor.upload("ctr.md", SMALL).json()["id"]
    response = monitor.confirm(pending_id, {"links": {"III.1": "B.I.1"}})
    assert response.status_code == 422
    assert "cần chương trình cấp trên (parent)" in response.json()["detail"]
    assert kept() == 1 and not Program.objects.filter(number="77-CTr/TU").exists()
