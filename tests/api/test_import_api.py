"""Importing a program through the API: send the document, read the parse result, confirm.
The office and administrators only; an upload is its sender's and lasts a day; a refused
upload or confirmation stores nothing."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from theodoi.api import pending
from theodoi.api.tokens import create_token
from theodoi.parsing import example_path, parse_file
from theodoi.programs.models import Program, ProgramVersion, Task

IMPORTS = "/api/imports/"
SMALL = """# CHƯƠNG TRÌNH HÀNH ĐỘNG thực hiện Nghị quyết thử

Số 77-CTr/TU

## III. NHIỆM VỤ

1. Ban Tổ chức Tỉnh ủy chủ trì xây dựng kế hoạch tinh giản biên chế. Thời gian: quý II/2021.

2. Ban Tuyên giáo Tỉnh ủy tuyên truyền nghị quyết. Thời gian: thường xuyên.
""".encode()


@pytest.fixture
def sender(users):
    """``sender("monitor")``: posts and reads as that account with its own token."""

    class Sender:
        def __init__(self, username: str) -> None:
            from django.test import Client

            self.client = Client()
            self.auth = {"HTTP_AUTHORIZATION": f"Bearer {create_token(users[username], 't')[1]}"}

        def upload(self, name: str, data: bytes):
            return self.client.post(
                IMPORTS, {"document": SimpleUploadedFile(name, data)}, **self.auth
            )

        def confirm(self, pending_id: str, options: dict | None = None):
            return self.client.post(
                f"{IMPORTS}{pending_id}/confirm",
                json.dumps(options or {}),
                content_type="application/json",
                **self.auth,
            )

        def get(self, url):
            return self.client.get(url, **self.auth)

        def delete(self, url):
            return self.client.delete(url, **self.auth)

    return Sender


def kept() -> list[Path]:
    folder = Path(settings.DATA_DIR) / pending.FOLDER
    return sorted(folder.iterdir()) if folder.exists() else []


def test_upload_answers_the_parse_result_then_confirm_imports(sender, users):
    monitor = sender("monitor")
    before = set(kept())
    response = monitor.upload("chương trình.md", SMALL)
    assert response.status_code == 201, response.content
    preview = response.json()
    assert re.fullmatch(r"[0-9a-f]{32}", preview["id"])
    assert preview["name"] == "chương trình.md"
    expected = parse_file_bytes(SMALL)
    assert preview["draft"] == json.loads(json.dumps(expected))
    assert preview["draft"]["schema"] == "theodoi.program/1"
    assert preview["tasks"] == len(expected["tasks"]) == 2
    assert preview["warnings"] == expected["warnings"]
    assert Program.objects.filter(number="77-CTr/TU").count() == 0  # nothing stored yet
    # Kept under the random id beside its sidecar, never under the name it was sent with.
    new = {p.name for p in set(kept()) - before}
    assert new == {f"{preview['id']}.md", f"{preview['id']}.json"}
    assert monitor.get(f"{IMPORTS}{preview['id']}").json()["draft"] == preview["draft"]

    response = monitor.confirm(preview["id"])
    assert response.status_code == 200, response.content
    summary = response.json()
    program = Program.objects.get(number="77-CTr/TU")
    assert summary["program_id"] == program.pk and summary["program"] == "77-CTr/TU"
    assert (summary["version"], summary["unchanged"], summary["tasks"]) == (1, False, 2)
    assert Task.objects.filter(program=program).count() == 2
    assert program.current_version.source_name == "chương trình.md"
    assert set(kept()) == before

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
    before = (set(kept()), Program.objects.count())
    response = sender(role).upload("ctr.md", SMALL)
    assert response.status_code == 403
    assert response.json()["detail"] == "Bạn không có quyền nhập chương trình."
    assert (set(kept()), Program.objects.count()) == before


def test_someone_elses_or_an_expired_upload_is_404(sender, users):
    monitor, admin = sender("monitor"), sender("admin")
    preview = monitor.upload("ctr.md", SMALL).json()
    for call in (
        lambda: admin.confirm(preview["id"]),
        lambda: admin.get(f"{IMPORTS}{preview['id']}"),
        lambda: admin.delete(f"{IMPORTS}{preview['id']}"),
        lambda: monitor.confirm("../../etc/passwd"),
        lambda: monitor.confirm("0" * 32),
    ):
        assert call().status_code == 404
    assert not Program.objects.filter(number="77-CTr/TU").exists()

    # A day later it is gone, bytes and sidecar.
    item = pending.find(preview["id"], owner_id=users["monitor"].pk)
    later = item.created + dt.timedelta(days=1, seconds=1)
    assert pending.find(preview["id"], owner_id=users["monitor"].pk, now=later) is None
    assert not item.path.exists()
    assert monitor.confirm(preview["id"]).status_code == 404
    assert not Program.objects.filter(number="77-CTr/TU").exists()


def test_stale_uploads_are_removed_when_another_comes(sender, users):
    monitor = sender("monitor")
    old = monitor.upload("cu.md", SMALL).json()
    item = pending.find(old["id"], owner_id=users["monitor"].pk)
    pending.remove_stale(now=item.created + dt.timedelta(days=2))
    assert not item.path.exists()
    assert monitor.confirm(old["id"]).status_code == 404


def test_cancel_removes_the_upload(sender):
    monitor = sender("monitor")
    before = set(kept())
    preview = monitor.upload("ctr.md", SMALL).json()
    assert monitor.delete(f"{IMPORTS}{preview['id']}").status_code == 204
    assert set(kept()) == before
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
    before = (set(kept()), Program.objects.count())
    response = sender("monitor").upload(name, data)
    assert response.status_code == status
    assert response.json()["detail"].startswith(f"{name}: ") and says in response.json()["detail"]
    assert (set(kept()), Program.objects.count()) == before


@override_settings(THEODOI_IMPORT_MAX_BYTES=1000)
def test_too_large_a_file_is_413(sender, users):
    before = set(kept())
    response = sender("monitor").upload("lon.md", b"x" * 2000)
    assert response.status_code == 413
    assert "tệp quá lớn" in response.json()["detail"]
    assert set(kept()) == before


def test_a_missing_file_is_422(sender, users):
    monitor = sender("monitor")
    response = monitor.client.post(IMPORTS, {}, **monitor.auth)
    assert response.status_code == 422
