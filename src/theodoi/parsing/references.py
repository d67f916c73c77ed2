"""Recognise citations of other documents: "Quy định số 101-QĐ/TW ngày 07/6/2012".

Party documents number as ``<n>-<TYPE>/<ISSUER>`` (05-CT/TU, 08-QĐi/TW); state documents as
``<n>/<TYPE>-<ISSUER>`` or ``<n>/<year>/<TYPE>-<ISSUER>`` (123/KH-UBND, 05/2021/NĐ-CP).
The same recogniser reads the evidence a body reports ("đã ban hành Chỉ thị số 05-CT/TU").
"""

from __future__ import annotations

import datetime as dt
import re

from .model import Reference

DOCUMENT_TYPES = (
    "Chương trình hành động",
    "Chương trình",
    "Nghị quyết",
    "Nghị định",
    "Quy định",
    "Quyết định",
    "Kết luận",
    "Chỉ thị",
    "Kế hoạch",
    "Hướng dẫn",
    "Thông báo",
    "Thông tư",
    "Công văn",
    "Đề án",
    "Báo cáo",
    "Quy chế",
    "Luật",
    "Tờ trình",
)
_TYPE = "|".join(re.escape(t) for t in DOCUMENT_TYPES)
_LETTER = r"[A-ZĐa-zđÀ-ỹ]"
_NUMBER = (
    rf"\d{{1,5}}(?:-{_LETTER}+(?:/{_LETTER}+)+"  # 101-QĐ/TW, 05-CT/TU, 08-QĐi/TW
    rf"|(?:/\d{{4}})?/{_LETTER}+(?:-{_LETTER}+)+)"  # 123/KH-UBND, 05/2021/NĐ-CP
)
_DATE = r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})|(\d{1,2}) tháng (\d{1,2}) năm (\d{4})"
# Found from the number outwards: a scan for numbers is far cheaper than trying every type
# name at every position of a long paragraph.
_NUMBER_AND_DATE = re.compile(
    rf"(?<![\w/-])(?P<number>{_NUMBER})(?![\w/-])(?:,?\s+ngày\s+(?P<date>{_DATE}))?"
)
_TYPE_BEFORE = re.compile(rf"(?P<type>{_TYPE})(?:\s+số)?\s*:?\s+$", re.IGNORECASE)


def _date(match: re.Match[str]) -> dt.date | None:
    groups = [g for g in match.group(3, 4, 5, 6, 7, 8) if g]
    if len(groups) != 3:
        return None
    day, month, year = (int(g) for g in groups)
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def find_references(text: str) -> list[Reference]:
    """Every citation in ``text``, in order of appearance."""
    found = []
    for match in _NUMBER_AND_DATE.finditer(text):
        before = _TYPE_BEFORE.search(text, max(0, match.start() - 40), match.start())
        if before is None:
            continue
        kind = before.group("type")
        canonical = next(t for t in DOCUMENT_TYPES if t.casefold() == kind.casefold())
        found.append(
            Reference(
                text=text[before.start() : match.end()],
                type=canonical,
                number=match.group("number"),
                date=_date(match) if match.group("date") else None,
            )
        )
    return found
