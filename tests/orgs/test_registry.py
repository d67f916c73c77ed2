"""Loading a registry file into the database, and the parser's registry built back from it."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import call_command

from theodoi.orgs.models import Alias, Organization, OrgGroup
from theodoi.orgs.registry import load_registry_file, registry_from_database
from theodoi.parsing.registry import RegistryError, example_registry

pytestmark = pytest.mark.django_db

SMALL = """
[registry]
name = "Thử"

[[org]]
id = "t.hu-a"
name = "Huyện ủy A"
kind = "party_committee"
level = "district"
parent = "t.tu"          # defined later in the file
aliases = ["Huyện ủy huyện A"]

[[org]]
id = "t.tu"
name = "Tỉnh ủy"
full_name = "Tỉnh ủy Thử"
short = "TU"
kind = "party_committee"
level = "province"
valid_from = 1997-01-01

[[group]]
id = "t.g.huyen"
name = "Các huyện ủy"
members = ["t.hu-a"]
"""


def write(tmp_path, text: str, name: str = "registry.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def snapshot() -> tuple:
    """The registry tables as plain values, to show a failed load changed nothing."""
    return (
        sorted(Organization.objects.values_list("code", "name", "parent__code", "valid_to")),
        sorted(OrgGroup.objects.values_list("code", "name", "unnamed")),
        sorted(Alias.objects.values_list("key", "organization__code", "group__code")),
        sorted(
            OrgGroup.members.through.objects.values_list("orggroup__code", "organization__code")
        ),
    )


@pytest.fixture
def example():
    return load_registry_file(None)


def test_the_example_registry_loads_whole(example):
    assert (example.orgs.created, example.groups.created) == (74, 19)
    assert example.aliases.created == Alias.objects.count() > 50
    districts = Organization.objects.filter(level="district", kind="party_committee")
    assert districts.count() == 13
    assert set(districts.values_list("parent__code", flat=True)) == {"qn.tu"}

    group = OrgGroup.objects.get(code="qn.g.huyen-thi-thanh-uy")
    assert group.members.count() == 13
    assert {m.code for m in group.all_members()} == set(districts.values_list("code", flat=True))
    # The "trực thuộc" group has no members of its own: it names two groups.
    both = OrgGroup.objects.get(code="qn.g.huyen-thi-thanh-dang-uy-truc-thuoc")
    assert both.members.count() == 0
    assert set(both.member_groups.values_list("code", flat=True)) == {
        "qn.g.huyen-thi-thanh-uy",
        "qn.g.dang-uy-truc-thuoc",
    }
    assert len(both.all_members()) == 13 + 5
    assert OrgGroup.objects.get(code="g.co-quan-lien-quan").unnamed

    duc_pho = Organization.objects.get(code="qn.thiu-ducpho")
    assert duc_pho.assumed and duc_pho.valid_from == dt.date(2020, 4, 1)
    assert not Organization.objects.get(code="qn.hu-sontinh").assumed
    assert Organization.objects.filter(assumed=True).count() == 10
    tu = Organization.objects.get(code="qn.tu")
    assert (tu.full_name, tu.kind, tu.level) == (
        "Tỉnh ủy Quảng Ngãi",
        "party_committee",
        "province",
    )
    assert Alias.objects.get(name="Ban Thường vụ").organization.code == "qn.btv"
    assert Alias.objects.get(name="Các đảng ủy trực thuộc").group.code == "qn.g.dang-uy-truc-thuoc"
    assert not example.missing_orgs and not example.notes


def test_loading_twice_changes_nothing(example):
    before = snapshot()
    again = load_registry_file(None)
    assert not again.changed
    assert (again.orgs.created, again.orgs.updated, again.orgs.unchanged) == (0, 0, 74)
    assert (again.groups.created, again.groups.updated, again.groups.unchanged) == (0, 0, 19)
    assert again.aliases.unchanged == example.aliases.created
    assert snapshot() == before


def test_fields_parents_defined_later_and_short_names(tmp_path):
    result = load_registry_file(write(tmp_path, SMALL))
    assert result.source == "Thử (registry.toml)"
    district = Organization.objects.get(code="t.hu-a")
    assert district.parent.code == "t.tu"
    tu = Organization.objects.get(code="t.tu")
    assert (tu.short_name, tu.full_name, tu.valid_from) == (
        "TU",
        "Tỉnh ủy Thử",
        dt.date(1997, 1, 1),
    )
    assert Organization.objects.get(code="t.tu").kind == "party_committee"
    assert list(OrgGroup.objects.get(code="t.g.huyen").members.all()) == [district]


def test_a_changed_file_updates_in_place_and_keeps_what_it_no_longer_lists(tmp_path):
    load_registry_file(write(tmp_path, SMALL))
    district = Organization.objects.get(code="t.hu-a")
    changed = SMALL.replace('name = "Huyện ủy A"', 'name = "Thị ủy A"').replace(
        'level = "province"\nvalid_from = 1997-01-01', 'level = "province"'
    )
    changed = changed.replace(
        "[[group]]", '[[org]]\nid = "t.so"\nname = "Sở Mới"\nparent = "t.tu"\n\n[[group]]'
    )
    result = load_registry_file(write(tmp_path, changed))
    assert (result.orgs.created, result.orgs.updated, result.orgs.unchanged) == (1, 2, 0)
    district.refresh_from_db()
    assert district.name == "Thị ủy A"  # same row, by code
    assert Organization.objects.get(code="t.tu").valid_from is None

    only_tu = (
        '[[org]]\nid = "t.tu"\nname = "Tỉnh ủy"\nkind = "party_committee"\nlevel = "province"\n'
    )
    result = load_registry_file(write(tmp_path, only_tu))
    assert Organization.objects.filter(code="t.hu-a").exists()  # never deleted
    assert result.missing_orgs == ["t.hu-a (Thị ủy A)", "t.so (Sở Mới)"]
    assert result.missing_groups == ["t.g.huyen (Các huyện ủy)"]
    assert any("không có trong tệp" in line for line in result.lines())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[org]]\nname = "Sở Không Mã"\n', "thiếu khóa 'id'"),
        ('[[org]]\nid = "x.a"\nname = "A"\nparent = "x.nowhere"\n', "x.nowhere"),
        ('[[org]]\nid = "x.a"\nname = = "A"\n', "không phải TOML hợp lệ: lỗi cú pháp ở dòng 7"),
        ("[[org]]\nid = \"x.a\"\nname = 'A\n", "không phải TOML hợp lệ: lỗi cú pháp ở cuối tệp"),
        ('[[org]]\nid = "x.a"\nname = "A"\nkind = "ministry"\n', "kind = 'ministry' không hợp lệ"),
        ('[[org]]\nid = "x.a"\nname = "A"\nlevel = "ward"\n', "level = 'ward' không hợp lệ"),
        ('[[group]]\nid = "x.g"\nname = "G"\nmembers = ["x.none"]\n', "thành viên 'x.none'"),
        ('[[group]]\nid = "x.g"\nname = "G"\nmember_groups = ["x.h"]\n', "nhóm thành viên 'x.h'"),
        ('[[org]]\nid = "x.a"\nname = "A"\nvalid_from = "01/07/2025"\n', "không phải ngày"),
        ('[[org]]\nid = "x.a"\nname = "A"\nparent = "x.b"\n[[org]]\nid = "x.b"\nname = "B"\nparent = "x.a"\n', "quay vòng"),
        ('[[org]]\nid = "x.a"\nname = "A"\naliases = ["Tỉnh ủy"]\n', "đã là tên của qn.tu (Tỉnh ủy)"),
        ('[[org]]\nid = "x.a"\nname = "A"\naliases = ["Ban Thường vụ"]\n', "đã là tên của qn.btv"),
        ('[[org]]\nid = "unresolved:a"\nname = "A"\n', "dành cho tên chưa xác định"),
    ],
)  # fmt: skip
def test_a_bad_file_is_refused_and_changes_nothing(example, tmp_path, text, message):
    before = snapshot()
    valid_first = '[[org]]\nid = "x.ok"\nname = "Cơ quan hợp lệ"\n\n'
    with pytest.raises(RegistryError, match=re.escape(message)):
        load_registry_file(write(tmp_path, valid_first + text))
    assert snapshot() == before
    assert not Organization.objects.filter(code="x.ok").exists()


def test_an_alias_of_another_body_in_the_file_names_both(tmp_path):
    text = (
        '[[org]]\nid = "x.a"\nname = "Sở A"\naliases = ["Sở chung"]\n'
        '[[org]]\nid = "x.b"\nname = "Sở B"\naliases = ["Sở Chung"]\n'
    )
    with pytest.raises(RegistryError) as error:
        load_registry_file(write(tmp_path, text))
    assert "x.a (Sở A)" in str(error.value) and "x.b (Sở B)" in str(error.value)
    assert not Organization.objects.exists()


def test_a_missing_file_is_a_registry_error(tmp_path):
    with pytest.raises(RegistryError, match="không tìm thấy tệp"):
        load_registry_file(tmp_path / "none.toml")


def test_the_database_registry_recognises_what_the_file_registry_does(example):
    from_file, from_db = example_registry(), registry_from_database()
    assert set(from_db.entries) == set(from_file.entries)
    names = ["Ban Thường vụ Tỉnh ủy", "UBND tỉnh", "các huyện, thị, thành ủy", "Trung ương",
             "Các đảng ủy trực thuộc Tỉnh ủy", "Ban cán sự đảng Tòa án tỉnh", "Các sở, ngành"]  # fmt: skip
    for name in names:
        assert from_db.lookup(name) == from_file.lookup(name), name
        assert from_db.lookup(name) is not None, name


def test_an_alias_added_in_the_database_is_recognised(example):
    registry = registry_from_database()
    assert registry.lookup("Trung tâm Xúc tiến Đầu tư") is None
    Alias.objects.create(
        name="Trung tâm Xúc tiến Đầu tư", organization=Organization.objects.get(code="qn.skhdt")
    )
    entry = registry_from_database().lookup("trung tam xuc tien dau tu")
    assert (entry.id, entry.name, entry.group) == ("qn.skhdt", "Sở Kế hoạch và Đầu tư", False)
    found, _ = registry_from_database().scan("Trung tâm Xúc tiến Đầu tư chủ trì")
    assert found[0].entry.id == "qn.skhdt" and found[0].lead


def test_unresolved_bodies_are_not_in_the_parser_registry(example):
    Organization.objects.create(code="unresolved:phong-x", name="Phòng X", unresolved=True)
    assert registry_from_database().lookup("Phòng X") is None


# ---- the command ----


def test_orgs_load_example_prints_counts():
    out = StringIO()
    call_command("orgs", "load", "--example", stdout=out)
    assert out.getvalue().splitlines() == [
        "Danh mục cơ quan: Quảng Ngãi 2020 (quang-ngai-2020.toml)",
        "Cơ quan, đơn vị: 74 thêm mới, 0 cập nhật, 0 không đổi.",
        "Nhóm cơ quan: 19 thêm mới, 0 cập nhật, 0 không đổi.",
        f"Tên gọi khác: {Alias.objects.count()} thêm mới, 0 cập nhật, 0 không đổi.",
    ]
    out = StringIO()
    call_command("orgs", "load", "--example", stdout=out)
    assert "Cơ sở dữ liệu đã khớp với tệp; không có gì thay đổi." in out.getvalue()


def test_orgs_load_a_bad_path_exits_2_with_one_line(tmp_path):
    out, err = StringIO(), StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("orgs", "load", str(tmp_path / "none.toml"), stdout=out, stderr=err)
    assert exit_.value.code == 2
    assert out.getvalue() == ""
    assert err.getvalue().splitlines() == [
        f"theodoi orgs load: {tmp_path / 'none.toml'}: không tìm thấy tệp"
    ]


def test_orgs_load_a_bad_file_exits_2_and_writes_nothing(tmp_path):
    err = StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("orgs", "load", str(write(tmp_path, "[[org]\n")), stderr=err)
    assert exit_.value.code == 2
    assert len(err.getvalue().splitlines()) == 1
    assert "không phải TOML hợp lệ" in err.getvalue()
    assert not Organization.objects.exists()


def test_orgs_load_needs_a_file_or_example():
    err = StringIO()
    with pytest.raises(SystemExit):
        call_command("orgs", "load", stderr=err)
    assert "cần tên tệp danh mục" in err.getvalue()


def test_orgs_list(example):
    Organization.objects.create(code="unresolved:phong-x", name="Phòng X", unresolved=True)
    out = StringIO()
    call_command("orgs", "list", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[-1] == "Tổng: 75 cơ quan, đơn vị."
    duc_pho = next(line for line in lines if line.startswith("qn.thiu-ducpho "))
    assert duc_pho.split(None, 1)[1] == (
        "Thị ủy Đức Phổ (Cấp ủy; cấp huyện; trực thuộc qn.tu; từ 01/04/2020; thông tin giả định)"
    )
    out = StringIO()
    call_command("orgs", "list", "--unresolved", stdout=out)
    assert out.getvalue().splitlines() == [
        "unresolved:phong-x  Phòng X (chưa xác định, 0 phân công)",
        "Tổng: 1 tên chưa xác định.",
    ]


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["load", "/nonexistent/registry.toml"],
         "theodoi orgs load: /nonexistent/registry.toml: không tìm thấy tệp"),
        (["reorganize", "--kind", "fusion", "--date", "2025-07-01", "--from", "a"],
         "theodoi orgs reorganize: tham số --kind: giá trị 'fusion' không hợp lệ"
         " (chọn 'merge', 'split', 'rename', 'abolish') (xem theodoi orgs reorganize --help)"),
        ([], "theodoi orgs: thiếu tham số VIỆC (xem theodoi orgs --help)"),
    ],
)  # fmt: skip
def test_the_command_line_answers_bad_input_in_one_line(args, line):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-m", "theodoi.cli", "orgs", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == line + "\n"


def test_a_reload_keeps_later_members_and_notes_what_it_cannot_place(example, tmp_path):
    group = OrgGroup.objects.get(code="qn.g.huyen-thi-thanh-uy")
    successor = Organization.objects.create(code="qn2.thu", name="Thành ủy mới")
    group.members.add(successor)  # as a reorganisation does
    Organization.objects.create(code="unresolved:so-noi-vu", name="Sở Nội vụ", unresolved=True)
    again = load_registry_file(None)
    assert successor in group.members.all()
    assert not again.changed
    assert again.missing_orgs == ["qn2.thu (Thành ủy mới)"]
    assert any("qn2.thu" in note and "qn.g.huyen-thi-thanh-uy" in note for note in again.notes)
    assert any("orgs map unresolved:so-noi-vu" in note for note in again.notes)

    text = '[[org]]\nid = "x.a"\nname = "A"\nnote = "?"\n'
    result = load_registry_file(write(tmp_path, text))
    assert "[[org]] thứ 1 (x.a): khóa 'note' không được dùng" in result.notes
