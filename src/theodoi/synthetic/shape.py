"""What synthetic data looks like: how many of each thing a scale makes, the names of
provinces, departments and communes, the time kinds of lower-level tasks, and how often
work is done on time, late or not at all.

The shape follows the country since the 2025 reform (34 provinces and cities, about 3,300
communes and wards, no districts) and the example program: a provincial action program of
~106 tasks, ~100 commune programs of ~40 tasks and ~20 department programs of ~60 tasks
implementing it.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "COMMUNE_BODIES",
    "DEPARTMENTS",
    "LOWER_SECTIONS",
    "PROVINCES",
    "SCALES",
    "Scale",
    "commune_names",
]


@dataclass(frozen=True)
class Scale:
    provinces: int
    communes: int  # commune programs per province
    departments: int  # department programs per province
    commune_tasks: int
    department_tasks: int


SCALES: dict[str, Scale] = {
    "national": Scale(provinces=34, communes=100, departments=20, commune_tasks=40,
                      department_tasks=60),
    "province": Scale(provinces=1, communes=100, departments=20, commune_tasks=40,
                      department_tasks=60),
    # For tests: every kind of thing, a few of each.
    "tiny": Scale(provinces=2, communes=3, departments=2, commune_tasks=6, department_tasks=8),
}  # fmt: skip

# The 34 provinces and centrally-run cities from 1 July 2025 (Resolution 202/2025/QH15).
PROVINCES: tuple[str, ...] = (
    "Quảng Ngãi", "Hà Nội", "Huế", "Lai Châu", "Điện Biên", "Sơn La", "Lạng Sơn", "Quảng Ninh",
    "Thanh Hóa", "Nghệ An", "Hà Tĩnh", "Cao Bằng", "Tuyên Quang", "Lào Cai", "Thái Nguyên",
    "Phú Thọ", "Bắc Ninh", "Hưng Yên", "Hải Phòng", "Ninh Bình", "Quảng Trị", "Đà Nẵng",
    "Gia Lai", "Khánh Hòa", "Lâm Đồng", "Đắk Lắk", "Thành phố Hồ Chí Minh", "Đồng Nai",
    "Tây Ninh", "Cần Thơ", "Vĩnh Long", "Đồng Tháp", "Cà Mau", "An Giang",
)  # fmt: skip

# A province's departments and bodies at its level that issue programs of their own
# (through their party delegation: "các ban cán sự đảng, đảng đoàn").
DEPARTMENTS: tuple[str, ...] = (
    "Sở Nội vụ", "Sở Tài chính", "Sở Xây dựng", "Sở Công Thương",
    "Sở Nông nghiệp và Môi trường", "Sở Giáo dục và Đào tạo", "Sở Y tế",
    "Sở Văn hóa, Thể thao và Du lịch", "Sở Khoa học và Công nghệ", "Sở Tư pháp",
    "Sở Ngoại vụ", "Sở Dân tộc và Tôn giáo", "Thanh tra tỉnh", "Văn phòng Ủy ban nhân dân tỉnh",
    "Ban Quản lý Khu kinh tế", "Tòa án nhân dân tỉnh", "Viện kiểm sát nhân dân tỉnh",
    "Báo và Phát thanh, Truyền hình", "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh",
    "Bảo hiểm xã hội tỉnh", "Kho bạc Nhà nước khu vực", "Cục Thuế tỉnh",
)  # fmt: skip

# The bodies of one commune: (code suffix, name prefix, kind).
COMMUNE_BODIES: tuple[tuple[str, str, str], ...] = (
    ("du", "Đảng ủy", "party_committee"),
    ("ubnd", "Ủy ban nhân dân", "peoples_committee"),
    ("mttq", "Ủy ban Mặt trận Tổ quốc", "mass_organization"),
)

LOWER_SECTIONS: tuple[str, ...] = (
    "Công tác quán triệt, tuyên truyền",
    "Xây dựng Đảng và hệ thống chính trị",
    "Phát triển kinh tế - xã hội",
    "Văn hóa, xã hội, quốc phòng, an ninh",
)

_FIRST = (
    "An", "Bình", "Hòa", "Tân", "Phú", "Thạnh", "Long", "Phước", "Đức", "Nghĩa", "Minh", "Sơn",
    "Trà", "Ba", "Tịnh", "Hành", "Đông", "Tây", "Nam", "Bắc", "Quang", "Thuận", "Vĩnh", "Xuân",
)  # fmt: skip
_SECOND = (
    "Lộc", "Hưng", "Thịnh", "Khánh", "Phong", "Hiệp", "Thành", "Lợi", "Điền", "Hải", "Trung",
    "Lâm", "Mỹ", "Thọ", "Tường", "Quý", "Châu", "Bình", "Sơn", "Yên", "Phát", "Tiến", "Dũng",
)  # fmt: skip


def commune_names(count: int, offset: int) -> list[str]:
    """``count`` different commune or ward names ("Xã Tân Lộc", "Phường An Hưng"), varied by
    ``offset`` so that provinces do not all have the same communes."""
    names: list[str] = []
    pairs = [(a, b) for a in _FIRST for b in _SECOND if a != b]
    step = 7 + 2 * (offset % 11)
    for i in range(count):
        first, second = pairs[(offset * 37 + i * step) % len(pairs)]
        kind = "Phường" if i % 6 == 0 else "Xã"
        name = f"{kind} {first} {second}"
        while name in names:
            name += " Mới" if not name.endswith("Mới") else " 2"
        names.append(name)
    return names
