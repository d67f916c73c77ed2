"""The words that head an institution's name in Vietnamese administrative writing: "Sở",
"Ban", "Ủy ban", "Công an", "Bộ Chỉ huy", "Viện", "Các sở, ban, ngành"... A phrase that starts
with one names a body even when no registry knows it ("Ủy ban nhân dân thành phố Hà Nội",
"Tổ đảng ở Thường trực Ủy ban Kinh tế")."""

from __future__ import annotations

import re

from .text import fold

# Words that head an institution's name, folded, longest first. Ambiguous ones (also a common
# word or verb) are in _NEEDS_NAME: they head a body only before a capitalised word.
_HEADS = tuple(
    sorted(
        (
            "so", "ban", "bo", "uy ban", "ubnd", "hdnd", "hoi dong", "cong an", "van phong",
            "vien", "toa an", "tand", "vksnd", "bao", "dai", "hoi", "doan", "lien doan",
            "lien hiep", "to dang", "dang uy", "dang doan", "dang bo", "chi bo", "chi cuc",
            "cuc", "tong cuc", "kho bac", "ngan hang", "cong ty", "tong cong ty", "tap doan",
            "truong ban", "pho truong ban", "truong", "benh vien", "trung tam", "thanh tra",
            "kiem toan", "thue", "hai quan", "cong thong tin", "doanh nghiep", "thu truong",
            "giam doc", "chu tich", "lanh dao", "co quan", "nguoi dung dau", "thanh vien",
            "mat tran", "tinh doan", "thanh doan", "tinh uy", "thanh uy", "huyen uy", "quy",
            "hoc vien", "dai hoc", "bao hiem xa hoi", "bo chi huy", "ban chi huy", "bo tu lenh",
            "ban quan ly", "ubmttq", "mttq", "thuong truc", "thuong vu", "cac dong chi",
            "dong chi", "to chuc chinh tri", "bo truong", "don vi", "dia phuong", "doan the",
        ),
        key=len,
        reverse=True,
    )
)  # fmt: skip
_NEEDS_NAME = frozenset({"ban", "bo", "hoi", "doan", "bao", "dai", "cuc", "quy", "truong"})
# After "Các"/"các": the plural of a kind of body ("Các sở, ban, ngành", "các bộ, cơ quan").
_PLURALS = (
    "so", "bo", "ban", "nganh", "co quan", "don vi", "dia phuong", "to chuc", "xa", "phuong",
    "huyen", "tinh", "doanh nghiep", "hoi", "doan the", "doan", "dai bieu", "thanh vien",
    "hang", "tap doan", "truong", "benh vien", "co so", "luc luong", "chu dau tu", "uy ban",
    "cap", "dang uy", "chi bo", "dang bo", "to dang", "lanh dao",
)  # fmt: skip


# One-word heads whose folded form other words share: the word as it must be spelt.
_SPELLED = {
    "bo": ("bộ",), "vien": ("viện",), "so": ("sở",), "dai": ("đài",), "cuc": ("cục",),
    "quy": ("quỹ",), "doan": ("đoàn",), "hoi": ("hội",), "truong": ("trường", "trưởng"),
    "bao": ("báo",), "ban": ("ban",),
}  # fmt: skip
_HEAD = re.compile(r"^(?P<head>" + "|".join(re.escape(h) for h in _HEADS) + r")(?=[ ,]|$)")
_PLURAL = re.compile(r"^cac (?:" + "|".join(re.escape(p) for p in _PLURALS) + r")(?=[ ,]|$)")


def starts_with_head(text: str) -> bool:
    """Whether ``text`` begins with the head of a body's name (not a verb that looks alike:
    "Ban Tuyên giáo" is a body, "Ban hành" a verb)."""
    text = text[:80]  # a head is in the first words; folding a long paragraph costs
    folded = fold(text)
    if folded.startswith("cac "):
        return _PLURAL.match(folded) is not None
    match = _HEAD.match(folded)
    if match is None:
        return False
    head = match["head"]
    words = text.split(maxsplit=2)
    spelled = _SPELLED.get(head)
    if spelled and words[0].lower() not in spelled:
        return False  # "Bổ sung", "viễn thông", "dài hạn": not "Bộ", "Viện", "Đài"
    if head not in _NEEDS_NAME:
        return True
    following = words[1] if len(words) > 1 else ""
    return following[:1].isupper() or fold(following) in ("va", "kiem", "chi")
