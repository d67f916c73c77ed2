"""Role labels, name lists and prose assignments: every pattern the parser promises."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from theodoi.parsing.registry import (
    EXAMPLE_REGISTRY,
    RegistryError,
    example_registry,
    load_registry,
    registry_from_toml,
)
from theodoi.parsing.render import ROLE_NAMES
from theodoi.parsing.roles import prose_assignments, read_label, role_line

REGISTRY = example_registry()


def assigned(value: str, roles: tuple[str, ...] = ("implements",)) -> list[tuple[str, list[str]]]:
    label = read_label(f"Cơ quan {', '.join(ROLE_NAMES[r] for r in roles)}: {value}")
    assert label is not None
    return [(a.org, a.roles) for a in role_line(label, REGISTRY)]


@pytest.mark.parametrize(
    ("line", "field", "roles", "value"),
    [
        (
            "Cơ quan chỉ đạo: Ban Thường vụ Tỉnh ủy.",
            "roles",
            ("directs",),
            "Ban Thường vụ Tỉnh ủy.",
        ),
        ("Cơ quan chỉ đạo, ban hành: Tỉnh ủy", "roles", ("directs", "issues"), "Tỉnh ủy"),
        ("Cơ quan tham mưu: X", "roles", ("advises",), "X"),
        ("Cơ quan thực hiện: X", "roles", ("implements",), "X"),
        ("Cơ quan tham mưu, thực hiện: X", "roles", ("advises", "implements"), "X"),
        ("CƠ QUAN THAM MƯU, THỰC HIỆN : X", "roles", ("advises", "implements"), "X"),
        ("Cơ quan chỉ đạo thiếu dấu hai chấm", None, None, None),
        ("Đơn vị chủ trì: Sở Nội vụ", "roles", ("leads",), "Sở Nội vụ"),
        ("Cơ quan phối hợp: Sở Tài chính", "roles", ("coordinates",), "Sở Tài chính"),
        ("Chủ trì: Sở Nội vụ", "roles", ("leads",), "Sở Nội vụ"),
        ("Cơ quan, đơn vị thực hiện: X", "roles", ("implements",), "X"),
        ("b) Cơ quan chủ trì: X", "roles", ("leads",), "X"),
        ("Thời gian hoàn thành: Trong quý I/2021.", "time", (), "Trong quý I/2021."),
        ("Thời gian thực hiện: Thường xuyên.", "time", (), "Thường xuyên."),
        ("Thời hạn: tháng 9/2021", "time", (), "tháng 9/2021"),
        ("Tiến độ thực hiện: Hằng năm", "time", (), "Hằng năm"),
        ("Sản phẩm: Kế hoạch của UBND tỉnh", "product", (), "Kế hoạch của UBND tỉnh"),
        ("Cơ quan truyền thông đưa tin", None, None, None),
        ("Thực hiện tốt Quy định số 11-QĐi/TW", None, None, None),
    ],
)
def test_labels(line, field, roles, value):
    label = read_label(line)
    if field is None:
        assert label is None
    else:
        assert (label.field, label.roles, label.value) == (field, roles, value)


def test_comma_list():
    assert assigned("Ban Tổ chức Tỉnh ủy, Ủy ban Kiểm tra Tỉnh ủy, Văn phòng Tỉnh ủy.") == [
        ("Ban Tổ chức Tỉnh ủy", ["implements"]),
        ("Ủy ban Kiểm tra Tỉnh ủy", ["implements"]),
        ("Văn phòng Tỉnh ủy", ["implements"]),
    ]


def test_semicolons_and_va_separate_names():
    assert assigned("Ban Tổ chức Tỉnh ủy; Ban Dân vận Tỉnh ủy và Văn phòng Tỉnh ủy") == [
        ("Ban Tổ chức Tỉnh ủy", ["implements"]),
        ("Ban Dân vận Tỉnh ủy", ["implements"]),
        ("Văn phòng Tỉnh ủy", ["implements"]),
    ]


def test_va_inside_a_known_name_is_kept():
    assert assigned("Sở Văn hóa, Thể thao và Du lịch và Sở Kế hoạch và Đầu tư") == [
        ("Sở Văn hóa, Thể thao và Du lịch", ["implements"]),
        ("Sở Kế hoạch và Đầu tư", ["implements"]),
    ]


@pytest.mark.parametrize("comma", [", ", " "])
def test_chu_tri_phoi_hop_voi(comma):
    value = f"Ban Dân vận Tỉnh ủy chủ trì{comma}phối hợp với Ban cán sự đảng UBND tỉnh, Sở Nội vụ."
    assert assigned(value, ("advises",)) == [
        ("Ban Dân vận Tỉnh ủy", ["advises", "leads"]),
        ("Ban cán sự đảng Ủy ban nhân dân tỉnh", ["advises", "coordinates"]),
        ("Sở Nội vụ", ["advises", "coordinates"]),
    ]


def test_two_known_names_without_a_comma_are_two_bodies():
    value = "Ủy ban Kiểm tra Tỉnh ủy Ban Cán sự đảng Ủy ban nhân dân tỉnh"
    assert [org for org, _ in assigned(value)] == [
        "Ủy ban Kiểm tra Tỉnh ủy",
        "Ban cán sự đảng Ủy ban nhân dân tỉnh",
    ]


@pytest.mark.parametrize(
    "written",
    [
        "Ban Cán sự đảng Ủy ban nhân dân tỉnh",
        "Ban cán sự đảng Ủy ban nhân dân tỉnh",
        "BAN CÁN SỰ ĐẢNG ỦY BAN NHÂN DÂN TỈNH",
        "Ban cán sự đảng UBND tỉnh",
        "Ban cán sự đảng Uỷ ban nhân dân tỉnh",  # old tone placement
    ],
)
def test_spelling_variants_are_one_body(written):
    assert assigned(written) == [("Ban cán sự đảng Ủy ban nhân dân tỉnh", ["implements"])]


@pytest.mark.parametrize(
    ("written", "group"),
    [
        ("các huyện ủy, thị ủy, thành ủy, đảng ủy trực thuộc", "Các huyện ủy, thị ủy, thành ủy, đảng ủy trực thuộc Tỉnh ủy"),
        ("các huyện, thị ủy, thành ủy, đảng ủy trực thuộc", "Các huyện ủy, thị ủy, thành ủy, đảng ủy trực thuộc Tỉnh ủy"),
        ("các huyện ủy, thị ủy, thành ủy và đảng ủy trực thuộc", "Các huyện ủy, thị ủy, thành ủy, đảng ủy trực thuộc Tỉnh ủy"),
        ("Các huyện, thị, thành ủy, đảng ủy trực thuộc Tỉnh ủy", "Các huyện ủy, thị ủy, thành ủy, đảng ủy trực thuộc Tỉnh ủy"),
        ("các huyện ủy, thị ủy, thành ủy", "Các huyện ủy, thị ủy, thành ủy"),
        ("các ban cán sự đảng, đảng đoàn", "Các ban cán sự đảng, đảng đoàn"),
        ("các cơ quan liên quan", "Các cơ quan liên quan"),
        ("các cơ quan, cá nhân liên quan", "Các cơ quan liên quan"),
        ("cấp ủy các cấp", "Cấp ủy các cấp"),
        ("các sở, ban, ngành", "Các sở, ban, ngành tỉnh"),
    ],
)  # fmt: skip
def test_groups_are_marked_as_groups(written, group):
    label = read_label(f"Cơ quan thực hiện: {written}.")
    (found,) = role_line(label, REGISTRY)
    assert (found.org, found.group, found.written) == (group, True, written)


def test_an_unknown_name_is_kept_as_written():
    label = read_label("Cơ quan thực hiện: Ban Quản lý dự án ABC, Sở Nội vụ")
    found = role_line(label, REGISTRY)
    assert [(a.org, a.id) for a in found] == [
        ("Ban Quản lý dự án ABC", None),
        ("Sở Nội vụ", "qn.snv"),
    ]


def test_a_registry_from_another_province():
    registry = registry_from_toml(
        {"org": [{"id": "kt.snv", "name": "Sở Nội vụ tỉnh Kon Tum", "aliases": ["Sở Nội vụ"]}]}
    )
    label = read_label("Cơ quan chủ trì: Sở Nội vụ")
    (found,) = role_line(label, registry)
    assert (found.org, found.id, found.roles) == ("Sở Nội vụ tỉnh Kon Tum", "kt.snv", ["leads"])


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "Ban Tuyên giáo Tỉnh ủy tham mưu Kế hoạch và tài liệu học tập.",
            [("Ban Tuyên giáo Tỉnh ủy", ["advises"])],
        ),
        (
            "Giao Sở Nội vụ chủ trì, phối hợp với Sở Tài chính, Sở Tư pháp xây dựng Đề án, "
            "hoàn thành trong quý II/2022.",
            [
                ("Sở Nội vụ", ["implements", "leads"]),
                ("Sở Tài chính", ["implements", "coordinates"]),
                ("Sở Tư pháp", ["implements", "coordinates"]),
            ],
        ),
        (
            "Giao Trung tâm Xúc tiến đầu tư chủ trì thực hiện, hoàn thành trong năm 2022.",
            [("Trung tâm Xúc tiến đầu tư", ["implements", "leads"])],
        ),
        (
            "Ban Tuyên giáo Tỉnh ủy chỉ đạo, định hướng các cơ quan thông tin đại chúng "
            "xây dựng kế hoạch.",
            [
                ("Ban Tuyên giáo Tỉnh ủy", ["directs"]),
                ("Các cơ quan thông tin đại chúng", ["implements"]),
            ],
        ),
        ("Hoàn thành việc quán triệt Nghị quyết XX trong quý I/2021.", []),
        ("Tăng cường công tác kiểm tra, giám sát.", []),
    ],
)
def test_prose_assignments(sentence, expected):
    assert [(a.org, a.roles) for a in prose_assignments(sentence, REGISTRY)] == expected


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"org": [{"name": "Sở Nội vụ"}]}, "[[org]] thứ 1: thiếu khóa 'id'"),
        ({"org": [{"id": "a", "name": ""}]}, "[[org]] thứ 1 (a): thiếu khóa 'name'"),
        ({"org": [{"id": "a", "name": "A", "aliases": "B"}]}, "'aliases' phải là danh sách"),
        (
            {"org": [{"id": "a", "name": "A"}], "group": [{"id": "a", "name": "B"}]},
            "mã 'a' bị trùng",
        ),
    ],
)
def test_a_malformed_registry_says_which_entry_and_why(data, message):
    with pytest.raises(RegistryError, match=re.escape(message)):
        registry_from_toml(data)


def test_the_shipped_registry_is_valid_and_names_every_body_of_the_example():
    registry = load_registry(resources_path())
    assert registry.lookup("Ban Thường vụ Tỉnh ủy").id == "qn.btv"
    districts = [
        e for e in registry.entries.values() if e.id.startswith(("qn.hu-", "qn.thu-", "qn.thiu-"))
    ]
    assert len(districts) == 13


def resources_path() -> str:
    return str(resources.files("theodoi.data.orgs").joinpath(EXAMPLE_REGISTRY))
