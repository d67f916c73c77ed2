"""Body names in role lines: found whole, from the issuer's registry or the national lexicon.

One test per rule of docs/lexicon.md; the sentences are written for these tests.
"""

from __future__ import annotations

import tomllib
from importlib import resources

import pytest

from theodoi.parsing import parse_text
from theodoi.parsing.lexicon import lexicon_data
from theodoi.parsing.registry import (
    example_registry,
    is_issuer_of,
    lexicon_only,
    national_lexicon,
    registry_for,
    registry_from_toml,
)
from theodoi.parsing.render import ROLE_NAMES
from theodoi.parsing.roles import prose_assignments, read_label, role_line

ELSEWHERE = registry_for("Ủy ban nhân dân tỉnh Điện Biên")  # the lexicon alone
HOME = registry_for(None)  # the shipped registry (Quảng Ngãi) and the lexicon


def written(value: str, registry=ELSEWHERE) -> list[str]:
    """The names a scan finds in ``value``, as written."""
    found, _ = registry.scan(value)
    return [f.written for f in found]


def assigned(value: str, roles: tuple[str, ...] = ("coordinates",), registry=ELSEWHERE):
    label = read_label(f"Cơ quan {', '.join(ROLE_NAMES[r] for r in roles)}: {value}")
    assert label is not None
    return role_line(label, registry)


# ---- 1. Names are found whole: not cut at "và", "&", "-" or commas ----


@pytest.mark.parametrize(
    "name",
    [
        "Bộ Khoa học và Công nghệ",
        "Sở Văn hóa, Thể thao và Du lịch",
        "Sở KH&CN",
        "Ủy ban KH,CN&MT",
        "UBND các xã, phường, đặc khu",
        "Các Sở, ban, ngành",
        "Các sở, ban, ngành có liên quan",
        "Ủy ban Thường vụ Quốc hội",
        "Viện, Trường",
        "các bộ, cơ quan ngang bộ, cơ quan thuộc Chính phủ",
        "Ủy ban nhân dân các tỉnh, thành phố trực thuộc trung ương",
        "UBND xã, phường",
        "Báo và Phát thanh, Truyền hình Cần Thơ",
        "Sở Lao động - Thương binh và Xã hội",
        "Ủy ban Quốc phòng, An ninh và Đối ngoại",
        "Ban Chính sách, chiến lược Trung ương",
    ],
)
def test_a_name_with_separators_inside_is_one_body(name):
    assert written(f"{name} chủ trì") == [name]


def test_a_role_line_of_three_bodies_gives_exactly_those_three():
    found = assigned("Sở Giáo dục và Đào tạo, Sở KH&CN và UBND các xã, phường, đặc khu")
    assert [a.written for a in found] == [
        "Sở Giáo dục và Đào tạo",
        "Sở KH&CN",
        "UBND các xã, phường, đặc khu",
    ]
    assert all(a.roles == ["coordinates"] for a in found)


def test_acronyms_in_a_list_are_each_a_body():
    found = assigned("VOV, TTXVN, VTV")
    assert [(a.written, a.org) for a in found] == [
        ("VOV", "Đài Tiếng nói Việt Nam"),
        ("TTXVN", "Thông tấn xã Việt Nam"),
        ("VTV", "Đài Truyền hình Việt Nam"),
    ]


def test_two_bodies_joined_by_va_stay_two_when_each_is_a_name():
    assert written(
        "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh và các tổ chức chính trị - xã hội tỉnh"
    ) == ["Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh", "các tổ chức chính trị - xã hội tỉnh"]


def test_two_bodies_with_the_same_level_tail_are_two():
    assert written("Tòa án nhân dân thành phố, Viện kiểm sát nhân dân thành phố") == [
        "Tòa án nhân dân thành phố",
        "Viện kiểm sát nhân dân thành phố",
    ]


FRAGMENTS = {
    "ban", "ngành", "phường", "xã", "đặc khu", "địa phương", "đơn vị", "có liên quan",
    "công nghệ", "du lịch", "thể thao", "môi trường", "đào tạo", "xã hội", "liên quan",
}  # fmt: skip


@pytest.mark.parametrize(
    "line",
    [
        "Sở Nông nghiệp và Môi trường, các sở, ban, ngành, địa phương có liên quan",
        "Bộ Giáo dục và Đào tạo phối hợp với các bộ, ngành và địa phương",
        "Ủy ban nhân dân các phường, xã, đặc khu; các cơ quan, đơn vị có liên quan",
        "Hiệp hội Du lịch tỉnh, sở, ngành có liên quan",
        "Trung tâm Khuyến nông, đơn vị có liên quan",
        "Sở Văn hóa, Thể thao và Du lịch, Sở Khoa học và Công nghệ",
    ],
)
@pytest.mark.parametrize("registry", [ELSEWHERE, HOME], ids=["lexicon", "shipped"])
def test_a_piece_of_a_name_is_never_a_body(line, registry):
    names = written(line, registry)
    assert names
    assert not [n for n in names if n.casefold() in FRAGMENTS]


def test_after_a_level_only_levels_go_on_the_name():
    assert written("Bộ Chỉ huy Quân sự tỉnh và sở, ngành có liên quan") == [
        "Bộ Chỉ huy Quân sự tỉnh",
        "sở, ngành có liên quan",
    ]
    assert written("Ủy ban nhân dân xã và phường") == ["Ủy ban nhân dân xã và phường"]


def test_a_lower_case_word_after_a_comma_does_not_start_a_body():
    # "vận", "công" fold like "Văn (phòng)", "Công (an)": only a capital makes them heads.
    name = "Hiệp hội Vận tải hàng hóa, vận tải hành khách và công nghệ số"
    assert written(name) == [name]


def test_a_body_named_after_another_is_one_name():
    assert written("Tổ đảng ở Thường trực Ủy ban Pháp luật và Tư pháp") == [
        "Tổ đảng ở Thường trực Ủy ban Pháp luật và Tư pháp"
    ]


def test_a_prose_subject_keeps_its_coordinating_body_named_after_another():
    found = prose_assignments(
        "Bộ Nội vụ phối hợp với Công đoàn cơ quan Bộ Tài chính xây dựng quy chế.", ELSEWHERE
    )
    assert [(a.org, a.roles) for a in found] == [
        ("Bộ Nội vụ", ["implements"]),
        ("Công đoàn cơ quan Bộ Tài chính", ["coordinates"]),
    ]


def test_a_prose_subject_list_ends_at_its_marker():
    found = prose_assignments("Bộ Nội vụ, Trung tâm Dữ liệu quốc gia chủ trì việc này.", ELSEWHERE)
    assert [a.org for a in found] == ["Bộ Nội vụ", "Trung tâm Dữ liệu quốc gia"]
    found = prose_assignments("Bộ Nội vụ, Trung tâm Dữ liệu quốc gia xây dựng quy chế.", ELSEWHERE)
    assert [a.org for a in found] == ["Bộ Nội vụ"]


# ---- 2. The national lexicon: names, abbreviations, tails ----


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("Sở KH&CN", "Sở Khoa học và Công nghệ"),
        ("Sở KHCN", "Sở Khoa học và Công nghệ"),
        ("Bộ NN&MT", "Bộ Nông nghiệp và Môi trường"),
        ("Sở GD&ĐT", "Sở Giáo dục và Đào tạo"),
        ("Sở VH,TT&DL", "Sở Văn hóa, Thể thao và Du lịch"),
        ("Sở VHTTDL", "Sở Văn hóa, Thể thao và Du lịch"),
        ("Sở TN&MT", "Sở Tài nguyên và Môi trường"),
        ("Sở LĐTB&XH", "Sở Lao động - Thương binh và Xã hội"),
        ("Sở TT&TT", "Sở Thông tin và Truyền thông"),
        ("Sở KH&ĐT", "Sở Kế hoạch và Đầu tư"),
        ("Ủy ban KH,CN&MT", "Ủy ban Khoa học, Công nghệ và Môi trường"),
        ("UBTVQH", "Ủy ban Thường vụ Quốc hội"),
        ("UBMTTQVN tỉnh", "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh"),
        ("BCHQS tỉnh", "Bộ Chỉ huy Quân sự tỉnh"),
        ("Bộ Chỉ huy BĐBP tỉnh", "Bộ Chỉ huy Bộ đội Biên phòng tỉnh"),
        ("BQL KKT", "Ban Quản lý Khu kinh tế"),
        ("TAND tỉnh", "Tòa án nhân dân tỉnh"),
        ("VKSND tối cao", "Viện kiểm sát nhân dân tối cao"),
        ("các tổ chức CT-XH", "Các tổ chức chính trị - xã hội"),
        ("HĐND tỉnh", "Hội đồng nhân dân tỉnh"),
    ],
)
def test_an_abbreviation_resolves_to_the_full_canonical_name(text, canonical):
    (found,) = assigned(text)
    assert (found.org, found.written, found.id) == (canonical, text, None)


@pytest.mark.parametrize(
    "name",
    [
        "Ban Tuyên giáo và Dân vận Trung ương",
        "Văn phòng Trung ương Đảng",
        "Đảng ủy Chính phủ",
        "Bộ Dân tộc và Tôn giáo",
        "Bộ Kế hoạch và Đầu tư",
        "Bộ Giao thông vận tải",
        "Ngân hàng Nhà nước Việt Nam",
        "Viện Hàn lâm Khoa học xã hội Việt Nam",
        "Hội đồng Dân tộc",
        "Ủy ban Kinh tế và Tài chính",
        "Ban Dân nguyện",
        "Sở Nông nghiệp và Phát triển nông thôn",
        "Hội Liên hiệp Phụ nữ tỉnh",
        "Đoàn Thanh niên Cộng sản Hồ Chí Minh tỉnh",
        "Cổng Thông tin điện tử tỉnh",
    ],
)
def test_the_lexicon_knows_national_names(name):
    (found,) = assigned(name)
    assert found.written == name and found.id is None


def test_old_and_new_tone_placement_are_one_name():
    old, new = assigned("Uỷ ban Văn hoá và Xã hội"), assigned("Ủy ban Văn hóa và Xã hội")
    assert [a.org for a in old] == [a.org for a in new] == ["Ủy ban Văn hóa và Xã hội"]


@pytest.mark.parametrize(
    ("text", "org"),
    [
        ("Sở Y tế tỉnh Điện Biên", "Sở Y tế tỉnh Điện Biên"),
        ("Công an thành phố", "Công an thành phố"),
        ("UBND TP Hải Phòng", "Ủy ban nhân dân TP Hải Phòng"),
        ("Ủy ban nhân dân các xã: Tân Phú, Mỹ Hòa", "Ủy ban nhân dân các xã: Tân Phú, Mỹ Hòa"),
        ("Tỉnh ủy Điện Biên", "Tỉnh ủy Điện Biên"),
        ("Đài Phát thanh và Truyền hình Vĩnh Long", "Đài Phát thanh và Truyền hình Vĩnh Long"),
        ("UBND 03 phường: An Khê, Hòa Xuân", "Ủy ban nhân dân 03 phường: An Khê, Hòa Xuân"),
        ("Sở Tư pháp cấp tỉnh", "Sở Tư pháp cấp tỉnh"),
    ],
)
def test_a_name_with_its_level_or_place_is_found_whole(text, org):
    (found,) = assigned(text)
    assert (found.written, found.org) == (text, org)


def test_a_place_tail_does_not_swallow_the_next_body():
    assert written("Sở Y tế tỉnh Điện Biên Sở Nội vụ") == ["Sở Y tế tỉnh Điện Biên", "Sở Nội vụ"]


def test_collectives_are_groups():
    (found,) = assigned("các sở, ban, ngành")
    assert found.group and found.id is None


def test_the_lexicon_file_documents_its_format_and_loads():
    raw = resources.files("theodoi.data.orgs").joinpath("national.toml").read_text("utf-8")
    assert raw.startswith("# National name lexicon")
    data = tomllib.loads(raw)
    assert len(data["name"]) == len(lexicon_data().names) > 150
    assert "UBND" in data["abbreviations"]


def test_the_lexicon_is_loaded_once():
    assert national_lexicon() is national_lexicon()
    assert registry_for("UBND tỉnh Điện Biên") is registry_for("Bộ Tài chính")


# ---- 3. The registry used is the issuer's ----


@pytest.mark.parametrize(
    "issuer",
    [
        "Ủy ban nhân dân thành phố Hà Nội",
        "UBND TP Hà Nội",
        "Thành ủy Hà Nội",
        "Ủy ban nhân dân tỉnh Lai Châu",
        "Bộ Tài chính",
        "Thủ tướng Chính phủ",
    ],
)
def test_an_issuer_elsewhere_never_resolves_to_the_shipped_bodies(issuer):
    registry = registry_for(issuer)
    assert registry is lexicon_only()
    found = assigned("Ủy ban nhân dân tỉnh, Sở Nội vụ, Ban Tổ chức Tỉnh ủy", registry=registry)
    assert [a.id for a in found] == [None, None, None]


def test_a_ha_noi_document_is_read_with_the_lexicon_only():
    text = "\n".join(
        [
            "ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI",
            "",
            "KẾ HOẠCH",
            "Về chuyển đổi số năm 2026",
            "",
            "I. NHIỆM VỤ",
            "",
            "1. Số hóa hồ sơ hành chính.",
            "",
            "- Cơ quan chủ trì: Sở Nội vụ.",
            "- Cơ quan phối hợp: Ủy ban nhân dân tỉnh, Sở KH&CN.",
            "- Thời gian hoàn thành: Quý II/2026.",
        ]
    )
    draft = parse_text(text)
    ids = [a.id for task in draft.tasks for a in task.assignments]
    assert ids and all(i is None or not i.startswith("qn.") for i in ids)


@pytest.mark.parametrize(
    ("issuer", "home"),
    [
        ("Tỉnh ủy", True),
        ("Tỉnh ủy Quảng Ngãi", True),
        ("UBND tỉnh Quảng Ngãi", True),
        ("Ủy ban nhân dân tỉnh", True),
        ("Huyện ủy Bình Sơn", True),  # a body of the shipped registry
        ("Uỷ ban nhân dân tỉnh lai châu", False),
        ("Ủy ban nhân dân thành phố Hồ Chí Minh", False),
        ("Bộ Văn hóa, Thể thao và Du lịch", False),
    ],
)
def test_which_issuers_are_of_the_shipped_province(issuer, home):
    shipped = example_registry()
    assert is_issuer_of(issuer, shipped.province, shipped) is home
    assert (registry_for(issuer) is HOME) is home


def test_no_issuer_reads_with_the_shipped_registry_and_the_lexicon():
    assert HOME.lexicon is national_lexicon()
    (found,) = assigned("Sở Nội vụ", registry=HOME)
    assert found.id == "qn.snv"


def test_a_given_registry_is_used_whatever_the_issuer_plus_the_lexicon():
    given = registry_from_toml({"org": [{"id": "db.snv", "name": "Sở Nội vụ"}]})
    registry = registry_for("Ủy ban nhân dân thành phố Hà Nội", given)
    assert registry is registry_for(None, given)
    found = assigned("Sở Nội vụ, Sở Tư pháp", registry=registry)
    assert [(a.org, a.id) for a in found] == [("Sở Nội vụ", "db.snv"), ("Sở Tư pháp", None)]


def test_a_registry_name_with_another_province_is_not_the_registry_body():
    found = assigned("Sở Nội vụ tỉnh, Sở Nội vụ tỉnh Gia Lai", registry=HOME)
    assert [(a.written, a.id) for a in found] == [
        ("Sở Nội vụ tỉnh", "qn.snv"),
        ("Sở Nội vụ tỉnh Gia Lai", None),
    ]


# ---- Lexicon entries are names, not bodies; unknown names are kept whole ----


def test_lexicon_entries_have_no_id():
    found = assigned("Bộ Công an, Văn phòng Chính phủ, Sở Y tế tỉnh", registry=ELSEWHERE)
    assert [a.id for a in found] == [None, None, None]
    assert all(entry.id is None for entry in national_lexicon().entries.values())


def test_an_unknown_name_is_kept_whole_and_warned_about():
    text = "\n".join(
        [
            "ỦY BAN NHÂN DÂN TỈNH ĐIỆN BIÊN",
            "",
            "KẾ HOẠCH",
            "Về du lịch cộng đồng",
            "",
            "I. NHIỆM VỤ",
            "",
            "1. Xây dựng bản đồ điểm đến.",
            "",
            "- Cơ quan chủ trì: Trung tâm Xúc tiến Du lịch và Thương mại Mường Thanh.",
            "- Thời gian hoàn thành: Năm 2026.",
        ]
    )
    draft = parse_text(text)
    (task,) = draft.tasks
    (assignment,) = task.assignments
    name = "Trung tâm Xúc tiến Du lịch và Thương mại Mường Thanh"
    assert (assignment.org, assignment.written, assignment.id) == (name, name, None)
    assert any(name in w.message for w in draft.warnings)
