"""Property tests: whatever the input, the parser answers with a contract-shaped draft or a
clean ParseError, never another exception."""

from __future__ import annotations

import datetime as dt
import json
import re
import tempfile
import unicodedata
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from theodoi.parsing import ParseError, parse_file, parse_text

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
KINDS = {"deadline", "recurring", "continuous", "ongoing", "compound", "unknown"}
EVERY = {None, "year", "half-year", "quarter", "month"}
ROLES = {"directs", "issues", "advises", "implements", "leads", "coordinates"}


def check_date(value):
    assert value is None or (ISO_DATE.match(value) and dt.date.fromisoformat(value))


def check_time(time: dict) -> None:
    assert set(time) == {"text", "kind", "due", "start", "every", "parts", "scope"}
    assert isinstance(time["text"], str)
    assert time["kind"] in KINDS
    assert time["every"] in EVERY
    check_date(time["due"])
    check_date(time["start"])
    if time["kind"] == "deadline":
        assert time["due"] is not None
    if time["kind"] == "compound":
        assert len(time["parts"]) >= 2
    for part in time["parts"]:
        check_time(part)


def check_contract(data: dict) -> None:
    """The JSON contract of shared/design.md: every field there, with its type."""
    assert data["schema"] == "theodoi.program/1"
    assert isinstance(data["title"], str)
    assert data["number"] is None or isinstance(data["number"], str)
    check_date(data["date"])
    assert data["term"] is None or set(data["term"]) == {"start", "end"}
    assert {"title", "name"} <= set(data["signer"])
    assert all(isinstance(r, str) for r in data["recipients"])
    numbers = {s["number"] for s in data["sections"]}
    for section in data["sections"]:
        assert section["parent"] is None or section["parent"] in numbers
    ids = [t["id"] for t in data["tasks"]]
    assert len(ids) == len(set(ids))
    for task in data["tasks"]:
        assert isinstance(task["text"], str) and isinstance(task["section"], str)
        for assignment in task["assignments"]:
            assert isinstance(assignment["org"], str) and assignment["org"]
            assert set(assignment["roles"]) <= ROLES
            assert isinstance(assignment["group"], bool)
        check_time(task["time"])
        for milestone in task["milestones"]:
            check_date(milestone["due"])
        assert task["line"] is None or task["line"] >= 1
    for reference in data["references"]:
        assert {"text", "type", "number", "date"} <= set(reference)
        check_date(reference["date"])
    for warning in data["warnings"]:
        assert set(warning) == {"line", "message"}
    text = json.dumps(data, ensure_ascii=False)
    assert unicodedata.is_normalized("NFC", text)


LINES = st.sampled_from(
    [
        "A. NỘI DUNG",
        "I. Nhiệm vụ trọng tâm",
        "1. Tăng cường xây dựng Đảng",
        "1.1. Về tư tưởng",
        "a) Nội dung cụ thể",
        "- Ban hành Chỉ thị về công tác tư tưởng.",
        "- + *Cơ quan chỉ đạo, ban hành:* Ban Thường vụ Tỉnh ủy.",
        "+ *Cơ quan tham mưu*: Ban Tổ chức Tỉnh ủy chủ trì, phối hợp với các cơ quan liên quan.",
        "+ Thời gian hoàn thành: Trong quý I/2021.",
        "+ Thời gian thực hiện: Thường xuyên.",
        "+ Thời gian hoàn thành: Trong năm 2020 (đối với X) và hàng năm (đối với Y).",
        "Giao Sở Nội vụ chủ trì, phối hợp với Sở Tài chính, hoàn thành trong quý II/2022.",
        "xã hội thuộc diện hộ nghèo",
        "Nơi nhận:",
        "- Lưu VT.",
        "T/M TỈNH ỦY BÍ THƯ",
        "Phụ lục: Danh mục nhiệm vụ",
        "| STT | Nhiệm vụ | Cơ quan chủ trì | Thời gian hoàn thành |",
        "|---|---|---|---|",
        "| 1 | Kế hoạch | Sở Y tế | Năm 2022 |",
        "| I | Nhóm nhiệm vụ | | |",
        "",
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=3000))
def test_any_text_gives_a_contract_shaped_draft_or_a_clean_error(text):
    try:
        draft = parse_text(text)
    except ParseError as error:
        assert str(error)
        return
    check_contract(draft.to_dict())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(LINES, st.text(max_size=80)), max_size=60))
def test_program_like_text_gives_a_contract_shaped_draft(lines):
    try:
        draft = parse_text("\n".join(lines))
    except ParseError as error:
        assert str(error)
        return
    check_contract(draft.to_dict())


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096), st.sampled_from([".md", ".txt", ".docx", ".pdf", "", ".doc"]))
def test_any_bytes_under_any_name_give_a_draft_or_a_clean_error(data, suffix):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"input{suffix}"
        path.write_bytes(data)
        try:
            draft = parse_file(path)
        except ParseError as error:
            assert str(error) and "\n" not in str(error)
            return
        check_contract(draft.to_dict())
