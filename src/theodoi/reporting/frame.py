"""The frame of a periodic report: what surrounds its content on the page, as the issuing
body heads and signs its documents.

Where it comes from: the program's issuer (``Program.issuer``, else ``issuer_name``), that
body's ``IssuerProfile`` when one was set in the admin, else a profile derived here from the
body's name and kind; the signer and recipients from the profile, else from the program
(``Program.signer``, ``Program.recipients``). Two formats:

- party (Hướng dẫn 36-HD/VPTW, 2018): "ĐẢNG BỘ TỈNH QUẢNG NGÃI" / "TỈNH ỦY" / "*" /
  "Số 123-BC/TU" at the left, "ĐẢNG CỘNG SẢN VIỆT NAM" at the right;
- state (Nghị định 30/2020/NĐ-CP): the issuing body at the left with "Số: 12/BC-UBND",
  the national name and motto at the right.

Only data here; each layout (HTML, DOCX) decides fonts and places."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from theodoi.orgs.models import Kind, Level, Organization
from theodoi.programs.models import Program

from .models import DocumentFormat, IssuerProfile

__all__ = [
    "DocumentFrame",
    "NumberError",
    "Signer",
    "date_line",
    "document_frame",
    "number_line",
    "profile_for",
    "read_number",
    "report_defaults",
    "report_frame",
    "signer_of",
]

PARTY_KINDS = {
    Kind.PARTY_COMMITTEE, Kind.STANDING_COMMITTEE, Kind.STANDING_OFFICE, Kind.PARTY_BOARD,
    Kind.INSPECTION_COMMITTEE, Kind.PARTY_OFFICE, Kind.PARTY_DELEGATION, Kind.PARTY_GROUP,
    Kind.ARMED_FORCES_PARTY_COMMITTEE,
}  # fmt: skip
# A body's locality ("Quảng Ngãi") follows the word that names its level or its committee.
_PLACE = re.compile(r"(?:Tỉnh ủy|Huyện ủy|Thành ủy|Thị ủy|tỉnh|huyện|thành phố|thị xã)\s+(.+)$")
_COMMITTEES = {  # a party committee's own word -> (its Đảng bộ's level word, abbreviation)
    "tỉnh ủy": ("TỈNH", "TU"),
    "huyện ủy": ("HUYỆN", "HU"),
    "thành ủy": ("THÀNH PHỐ", "TU"),
    "thị ủy": ("THỊ XÃ", "TU"),
}
BLANK_NUMBER = "\u00a0" * 6  # the room a clerk leaves for the number of a draft


@dataclass
class DocumentFrame:
    format: str  # DocumentFormat
    superior_lines: list[str]
    issuer_lines: list[str]
    number_line: str
    place_date: str
    type_name: str
    subject: str
    on_behalf: str
    signer_title: str
    signer_name: str
    recipients: list[str] = field(default_factory=list)

    @property
    def is_party(self) -> bool:
        return self.format == DocumentFormat.PARTY

    @property
    def national_lines(self) -> list[str]:
        """The top right: the Party's name, or the State's name and motto."""
        if self.is_party:
            return [_("ĐẢNG CỘNG SẢN VIỆT NAM")]
        return [_("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"), _("Độc lập - Tự do - Hạnh phúc")]


def _upper(text: str) -> str:
    return text.upper()


def _initials(name: str) -> str:
    """ "Sở Tài nguyên và Môi trường" -> "STNMT": how bodies abbreviate themselves."""
    words = [w for w in re.split(r"[\s,]+", name) if w and w.lower() not in {"và", "của"}]
    return "".join(_bare(w[0]).upper() for w in words)


def _bare(letter: str) -> str:
    """A letter without its tone and vowel marks ("Ủ" -> "U"); "Đ" stays "Đ"."""
    return unicodedata.normalize("NFD", letter)[0]


def _place_of(org: Organization | None, written: str = "") -> str:
    for candidate in (org.full_name if org else "", org.name if org else "", written):
        found = _PLACE.search(candidate or "")
        if found:
            return found.group(1).strip()
    if org is not None and org.parent_id:
        return _place_of(org.parent)
    return ""


def profile_for(org: Organization | None, *, written: str = "") -> IssuerProfile:
    """The body's profile: the one stored for it, else one derived from its name and kind
    (unsaved). ``written``: the issuer as the document names it, for a program whose issuer
    is not in the registry."""
    if org is not None:
        stored = IssuerProfile.objects.filter(organization=org).first()
        if stored is not None:
            return stored
    place = _place_of(org, written)
    name = org.name if org else (written or _("Cơ quan ban hành"))
    kind = org.kind if org else _kind_from_text(written)
    committee = _committee_of(org) if org else None
    if kind in (Kind.PARTY_COMMITTEE, Kind.STANDING_COMMITTEE, Kind.STANDING_OFFICE) and (
        committee is not None
    ):
        word = committee.name.split()[0:2]
        level, abbreviation = _COMMITTEES[" ".join(word).lower()]
        return IssuerProfile(
            organization=org,
            format=DocumentFormat.PARTY,
            superior_line=_upper(f"Đảng bộ {level.lower()} {place}").strip(),
            issuer_line=_upper(" ".join(word)),
            abbreviation=abbreviation,
            place=place,
            on_behalf=_("T/M BAN THƯỜNG VỤ"),
        )
    if kind in PARTY_KINDS:
        superior = committee.full_name or committee.name if committee is not None else ""
        own = name
        if committee is not None and own.endswith(committee.name):
            own = own[: -len(committee.name)].strip()
        return IssuerProfile(
            organization=org,
            format=DocumentFormat.PARTY,
            superior_line=_upper(superior),
            issuer_line=_upper(own),
            abbreviation=(org.short_name if org else "") or _initials(name),
            place=place,
        )
    if kind == Kind.PEOPLES_COMMITTEE:
        level = org.level if org else Level.PROVINCE
        where = {Level.PROVINCE: "tỉnh", Level.DISTRICT: "huyện", Level.COMMUNE: "xã"}.get(
            level, ""
        )
        return IssuerProfile(
            organization=org,
            format=DocumentFormat.STATE,
            superior_line="",
            issuer_line=_("ỦY BAN NHÂN DÂN") + "\n" + _upper(f"{where} {place}".strip()),
            abbreviation="UBND",
            place=place,
            on_behalf=_("TM. ỦY BAN NHÂN DÂN"),
            signer_title=_("CHỦ TỊCH"),
        )
    superior = ""
    if org is not None and org.parent_id and org.parent.kind == Kind.PEOPLES_COMMITTEE:
        superior = _upper(f"UBND tỉnh {place}" if place else org.parent.name)
    return IssuerProfile(
        organization=org,
        format=DocumentFormat.STATE,
        superior_line=superior,
        issuer_line=_upper(name),
        abbreviation=(org.short_name if org else "") or _initials(name),
        place=place,
    )


def _kind_from_text(written: str) -> str:
    low = written.lower()
    if "ủy ban nhân dân" in low or "ubnd" in low:
        return Kind.PEOPLES_COMMITTEE
    if any(word in low for word in _COMMITTEES):
        return Kind.PARTY_BOARD
    return Kind.OTHER


def _committee_of(org: Organization) -> Organization | None:
    """The party committee a body belongs to (itself for a committee), through its parents."""
    seen: set[int] = set()
    at: Organization | None = org
    while at is not None and at.pk not in seen:
        seen.add(at.pk)
        if at.kind == Kind.PARTY_COMMITTEE and " ".join(at.name.split()[0:2]).lower() in (
            _COMMITTEES
        ):
            return at
        at = at.parent
    return None


# A number as written in full. Party (HD 36 II.3): "125-BC/TU", "15-BC/BTCTU",
# "12-BC/ĐU". State (ND 30 appendix I, II.3): "12/BC-UBND", "12/2021/BC-UBND".
_SYMBOL = r"[A-ZĐ0-9]+(?:-[A-ZĐ0-9]+)*"
_PARTY_NUMBER = re.compile(rf"(?P<n>\d{{1,6}})-(?P<type>[A-ZĐ]+)/{_SYMBOL}")
_STATE_NUMBER = re.compile(rf"(?P<n>\d{{1,6}})(?:/\d{{4}})?/(?P<type>[A-ZĐ]+)-{_SYMBOL}")
REPORT_TYPE = "BC"  # the type's abbreviation in a report's number (HD 36 appendix, ND 30 III)


class NumberError(ValueError):
    """A document number that is not written as the format writes one; says how, in
    Vietnamese."""


def read_number(text: str, profile: IssuerProfile) -> str:
    """The report's number as the person wrote it: a plain number ("125", the symbol is
    added from the profile) or the whole number and symbol ("125-BC/TU" for the Party,
    "12/BC-UBND" for the State), checked against the profile's format; "" for a draft."""
    written = unicodedata.normalize("NFC", " ".join((text or "").split()))
    written = re.sub(r"^số\s*:?", "", written, flags=re.IGNORECASE).replace(" ", "")
    if not written:
        return ""
    if written.isdigit():
        if len(written) > 6 or int(written) == 0:
            raise NumberError(_("Số văn bản %(number)s không hợp lệ.") % {"number": text})
        return written
    party = profile.format == DocumentFormat.PARTY
    pattern, example = (
        (_PARTY_NUMBER, f"125-BC/{profile.abbreviation}")
        if party
        else (_STATE_NUMBER, f"12/BC-{profile.abbreviation}")
    )
    found = pattern.fullmatch(written.upper())
    if found is None:
        raise NumberError(
            _(
                "Số, ký hiệu %(number)s không đúng thể thức; ghi số (vd 125) hoặc số và ký "
                "hiệu (vd %(example)s)."
            )
            % {"number": text.strip(), "example": example}
        )
    if found["type"] != REPORT_TYPE:
        raise NumberError(
            _(
                "Ký hiệu %(number)s là của loại văn bản “%(type)s”; báo cáo ghi “BC” (vd "
                "%(example)s)."
            )
            % {"number": text.strip(), "type": found["type"], "example": example}
        )
    return written.upper()


def number_line(profile: IssuerProfile, number: str = "") -> str:
    """ "Số 123-BC/TU" (party: no colon, HD 36 part II.3) or "Số: 12/BC-UBND" (state: ND 30
    appendix I, II.3); blank room for the number when none is given, as drafts leave it. A
    number written with its symbol ("125-BC/TU") is printed as written."""
    number = (number or "").strip() or BLANK_NUMBER
    whole = not number.replace("\u00a0", "").isdigit() and number != BLANK_NUMBER
    if profile.format == DocumentFormat.PARTY:
        return f"Số {number}" if whole else f"Số {number}-BC/{profile.abbreviation}"
    return f"Số: {number}" if whole else f"Số: {number}/BC-{profile.abbreviation}"


def date_line(profile: IssuerProfile, day: dt.date) -> str:
    """ "Quảng Ngãi, ngày 05 tháng 02 năm 2021". The Party writes days and months below 10
    with a leading zero (HD 36 part II.4); the State days below 10 and months 1 and 2
    (ND 30 appendix I, II.4)."""
    if profile.format == DocumentFormat.PARTY:
        month = f"{day.month:02d}"
    else:
        month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    place = profile.place or "\u00a0" * 10
    return _("%(place)s, ngày %(day)s tháng %(month)s năm %(year)s") % {
        "place": place,
        "day": f"{day.day:02d}",
        "month": month,
        "year": day.year,
    }


def report_subject(program: Program, period_label: str, *, heading: str = "") -> str:
    """ "Kết quả thực hiện Chương trình hành động ... quý II năm 2021". The title's leading
    words in capitals (the document type as printed) give way to the program's kind.
    ``heading``: other words than "Kết quả thực hiện" before the program's name."""
    title = " ".join(program.title.split())
    words = title.split(" ")
    rest = 0
    while rest < len(words) and words[rest] == words[rest].upper() and words[rest].isalpha():
        rest += 1
    kind = program.kind or _("Chương trình")
    body = " ".join(words[rest:]) if rest else title
    what = f"{kind} {body}".strip() if rest else body
    if heading:
        return f"{heading} {what}, {period_label}"
    return _("Kết quả thực hiện %(what)s, %(period)s") % {"what": what, "period": period_label}


@dataclass(frozen=True)
class Signer:
    """Who signs a report and whom it is sent to, as the person making it set them; what is
    blank comes from the issuing body's profile (``report_defaults``)."""

    on_behalf: str = ""
    title: str = ""
    name: str = ""
    recipients: tuple[str, ...] = ()


def signer_of(on_behalf: str = "", title: str = "", name: str = "", recipients: str = "") -> Signer:
    """A ``Signer`` from what a form, the API or the command line was given: text trimmed
    and NFC, the recipients one a line (a leading "-" and a trailing "," or "." dropped, as
    they are printed)."""

    def clean(text: str) -> str:
        return unicodedata.normalize("NFC", " ".join((text or "").split()))

    lines = (
        clean(line).lstrip("-–• ").rstrip(",;.").strip() for line in (recipients or "").splitlines()
    )
    return Signer(
        on_behalf=clean(on_behalf),
        title=clean(title),
        name=clean(name),
        recipients=tuple(line for line in lines if line),
    )


def report_defaults(program: Program) -> Signer:
    """The signer and recipients a report on ``program`` starts with: the issuing body's
    profile. Without a profile, the authority and title the program was signed with, but no
    name: the person who signed the program years ago is not who signs today's report."""
    profile = profile_for(program.issuer, written=program.issuer_name)
    signed = program.signer or {}
    return Signer(
        on_behalf=profile.on_behalf or signed.get("on_behalf", ""),
        title=profile.signer_title or signed.get("title", ""),
        name=profile.signer_name,
        recipients=tuple(profile.recipient_list or program.recipients or []),
    )


def report_frame(
    program: Program,
    *,
    period_label: str,
    number: str = "",
    day: dt.date,
    signer: Signer | None = None,
) -> DocumentFrame:
    """The frame of a report on ``program`` for the period, numbered ``number`` (blank for a
    draft), dated ``day``, signed as ``signer`` says (its blanks from ``report_defaults``)."""
    profile = profile_for(program.issuer, written=program.issuer_name)
    given, default = signer or Signer(), report_defaults(program)
    return document_frame(
        profile,
        number=number,
        day=day,
        subject=report_subject(program, period_label),
        on_behalf=given.on_behalf or default.on_behalf,
        signer_title=given.title or default.title,
        signer_name=given.name or default.name,
        recipients=list(given.recipients or default.recipients),
    )


def document_frame(
    profile: IssuerProfile,
    *,
    number: str,
    day: dt.date,
    subject: str,
    on_behalf: str,
    signer_title: str,
    signer_name: str,
    recipients: list[str],
) -> DocumentFrame:
    """A report ("BÁO CÁO") in ``profile``'s format: its header lines, number and date line
    from the profile, the rest as given."""
    return DocumentFrame(
        format=profile.format,
        superior_lines=[line for line in profile.superior_line.splitlines() if line.strip()],
        issuer_lines=[line for line in profile.issuer_line.splitlines() if line.strip()],
        number_line=number_line(profile, number),
        place_date=date_line(profile, day),
        type_name=_("BÁO CÁO"),
        subject=subject,
        on_behalf=on_behalf,
        signer_title=signer_title,
        signer_name=signer_name,
        recipients=recipients,
    )
