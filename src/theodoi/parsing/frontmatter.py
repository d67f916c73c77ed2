"""The parts of a program around its body: the header (issuer, number, date, title, resolution,
term, preamble) and the closing (recipients, "Nơi nhận", and the signature block)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from .blocks import Block, Paragraph, Table
from .model import ProgramDraft, Signer
from .registry import Registry
from .text import fold

# "Số: 7360/KH-UBND", "Số 3260-KH/ĐĐQH15", "Số: 123 /KH-UBND" (a template's blank filled in).
_NUMBER = re.compile(
    r"(?:^|\s)Số\s*:?\s*(?P<n>\d[\w.]*(?:\s*[/\-]\s*[\w.]+)*(?:[/\-][\w.]+)*)", re.IGNORECASE
)
# "Quyết định số 88/QĐ-UBND" inside a note: a number with its slash.
_NOTE_NUMBER = re.compile(r"\bsố\s*:?\s*(?P<n>\d[\w.\-]*/[\w.\-/]+)", re.IGNORECASE)
_DATE_FIGURES = re.compile(r"\bngày\s+(?P<d>\d{1,2})\s*/\s*(?P<m>\d{1,2})\s*/\s*(?P<y>\d{4})")
# "Quảng Ngãi, ngày 10 tháng 12 năm 2020": the place goes with the date.
_PLACE_DATE = re.compile(
    r"(?:[A-ZĐÀ-Ỹ][\wÀ-ỹ]*(?:\s+[A-ZĐÀ-Ỹ][\wÀ-ỹ]*){0,4}\s*,\s*)?"
    r"ngày\s+(?P<d>\d{1,2})\s+tháng\s+(?P<m>\d{1,2})\s+năm\s+(?P<y>\d{4})",
    re.IGNORECASE,
)
# "Lai Châu, ngày 19/11/2025": the same with the date in figures (the place is then needed).
_PLACE_DATE_NUMERIC = re.compile(
    r"(?:^|[A-ZĐÀ-Ỹ][\wÀ-ỹ]*(?:\s+[A-ZĐÀ-Ỹ][\wÀ-ỹ]*){0,4}\s*,\s*)"
    r"ngày\s+(?P<d>\d{1,2})\s*/\s*(?P<m>\d{1,2})\s*/\s*(?P<y>\d{4})",
    re.IGNORECASE,
)
_MOTTO = re.compile(
    r"ĐẢNG CỘNG SẢN VIỆT NAM|CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM|CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    r"|Độc lập\s*[-–]\s*Tự do\s*[-–]\s*Hạnh phúc",
    re.IGNORECASE,
)
_PREAMBLE_OPENERS = ("Thực hiện ", "Căn cứ ", "Để ", "Nhằm ", "Ngày ")
_DOC_KINDS = (
    "CHƯƠNG TRÌNH HÀNH ĐỘNG",
    "CHƯƠNG TRÌNH",
    "KẾ HOẠCH",
    "ĐỀ ÁN",
    "NGHỊ QUYẾT",
    "CHỈ THỊ",
    "KẾT LUẬN",
    "QUYẾT ĐỊNH",
)
# A document's type name standing alone on its line ("KẾ HOẠCH", "Chương trình"), folded.
_KIND_WORDS = frozenset(
    fold(kind) for kind in (*_DOC_KINDS, "KẾ HOẠCH HÀNH ĐỘNG", "PHƯƠNG ÁN", "QUY CHẾ", "QUY ĐỊNH")
)
# "(Kèm theo Quyết định số ...)", "(Ban hành kèm theo Nghị quyết ...)": the line under an
# attached document's title that names the document it is attached to.
_ATTACHED_TO = re.compile(
    r"^\(?\s*(?:ban hanh\s+)?kem theo\s+(?:quyet dinh|nghi quyet|chi thi|thong tu|cong van|van ban)"
)
_LOOKAHEAD = 5  # paragraphs between an attached document's type name and its note or first heading
_ISSUER_WORDS = (
    "tinh uy",
    "huyen uy",
    "thi uy",
    "thanh uy",
    "dang uy",
    "ban thuong vu",
    "uy ban nhan dan",
    "hoi dong nhan dan",
    "ban can su dang",
    "dang doan",
)
_OF_ISSUER = re.compile(r"\bcủa\s+(?P<issuer>.+)$", re.IGNORECASE)
_RESOLUTION = re.compile(r"(?P<r>Nghị quyết\s[^,;:()]*?)(?=,|\s+nhiệm kỳ|\s+giai đoạn|\s*\(|$)")
_TERM = re.compile(r"(?:nhiệm kỳ|giai đoạn)\s+(\d{4})\s*[-–—]\s*(\d{4})", re.IGNORECASE)

_SIGN_OPENER = re.compile(r"^(?:T/M|TM\.|T\.M\.|KT\.|TL\.|TUQ\.|Q\.)\s*", re.IGNORECASE)
_SIGN_TITLE = re.compile(
    r"(?P<title>(?:PHÓ\s+)?(?:BÍ THƯ(?: THƯỜNG TRỰC)?|CHỦ TỊCH|TRƯỞNG BAN|(?:TỔNG )?GIÁM ĐỐC"
    r"|CHÁNH VĂN PHÒNG|THỦ TRƯỞNG|BỘ TRƯỞNG|THỨ TRƯỞNG|THỦ TƯỚNG|CỤC TRƯỞNG|VỤ TRƯỞNG"
    r"|VIỆN TRƯỞNG|TRƯỞNG PHÒNG))\s*$"
)
# Recipients run together in one cell: "- Như Điều 3; - Bộ Tài chính; - Lưu: VT." The dash
# that opens an item follows a ";" or a closing parenthesis (a dash inside a name, "chính trị
# - xã hội", follows neither).
_RECIPIENT_SPLIT = re.compile(r"(?:^|;|(?<=\)))\s*[-–+]\s+")
_RECIPIENTS = re.compile(r"^nơi nhận\s*:?\s*", re.IGNORECASE)
_PERSON = re.compile(r"^(?:[A-ZĐÀ-Ỹ][a-zđà-ỹ]+\s){1,5}[A-ZĐÀ-Ỹ][a-zđà-ỹ]+$")


def is_closing_start(block: Block) -> bool:
    """True for "Nơi nhận:" or a signature opener ("T/M TỈNH ỦY", "TM. ỦY BAN NHÂN DÂN")."""
    if isinstance(block, Table):
        return any(_RECIPIENTS.match(cell) for row in block.rows for cell in row)
    text = block.text
    return bool(_RECIPIENTS.match(text) or (_SIGN_OPENER.match(text) and text.isupper()))


def is_kind_line(block: Block) -> bool:
    """True for a paragraph that is only a document's type name ("KẾ HOẠCH", "Chương trình
    hành động"): the first line of a document's title block."""
    if not isinstance(block, Paragraph) or block.bullet is not None or len(block.text) > 30:
        return False
    return fold(block.text.strip(" *_.")) in _KIND_WORDS


def repeated_header_start(blocks: list[Block], start: int, end: int) -> int:
    """Where, in ``blocks[start:end]`` between a decision's closing and its plan's type name,
    the plan's own header begins (an attached plan may repeat the decision's header: the
    issuer and the national motto or the Party's name); ``end`` when it repeats none."""
    found = next((j for j in range(start, end) if _has_motto(blocks[j])), end)
    while found > start and _is_issuer_line(blocks[found - 1]):
        found -= 1
    return found


def _has_motto(block: Block) -> bool:
    if isinstance(block, Table):
        return any(_MOTTO.search(cell) for row in block.rows for cell in row)
    return bool(_MOTTO.search(block.text))


def _is_issuer_line(block: Block) -> bool:
    """An upper-case line above the motto that is not part of a signature."""
    if not isinstance(block, Paragraph) or not block.text.isupper():
        return False
    text = block.text
    return not (is_closing_start(block) or _SIGN_OPENER.match(text) or _SIGN_TITLE.search(text))


def is_attached_note(block: Block) -> bool:
    """True for "(Kèm theo Quyết định số ... ngày ... của ...)" under an attached title."""
    return isinstance(block, Paragraph) and bool(_ATTACHED_TO.match(fold(block.text[:60])))


def attached_start(
    blocks: list[Block], index: int, after_closing: bool, is_heading: Callable[[Paragraph], object]
) -> bool:
    """Whether ``blocks[index]`` opens a document attached to the one before it: a decision
    ("QUYẾT ĐỊNH: Điều 1. Ban hành kèm theo Quyết định này Kế hoạch ...") is followed by the
    plan it adopts, with its own title block. The type-name line is followed within a few
    paragraphs by the "(Kèm theo Quyết định ...)" note, or, once the decision's closing has
    been passed, by the plan's first numbered heading (``is_heading``)."""
    if not is_kind_line(blocks[index]):
        return False
    for block in blocks[index + 1 : index + 1 + _LOOKAHEAD]:
        if is_attached_note(block):
            return True
        if isinstance(block, Paragraph) and is_heading(block):
            return after_closing
    return False


def read_attached(blocks: list[Block], draft: ProgramDraft) -> None:
    """The title block of a plan attached to a decision: its type name (the draft's kind:
    the plan is the document tracked), its title lines, the "(Kèm theo Quyết định số ...
    ngày ...)" note (number and date when the decision's header gave none) and its preamble.
    The decision's own lines stay first in the preamble, so nothing is lost."""
    # The decision's title ("BAN HÀNH KẾ HOẠCH ...") stays, as the first of its lines.
    decision_preamble = [draft.title, *draft.preamble] if draft.title else draft.preamble
    draft.preamble = []
    title_lines: list[str] = []
    seen_kind = in_title = False
    for paragraph in flatten(blocks):
        text = paragraph.text.strip()
        if not text:
            continue
        if not seen_kind:
            if is_kind_line(paragraph):
                draft.kind = _kind_name(text)
                seen_kind = in_title = True
            else:  # the plan's own header, repeating the decision's
                _fill_number_and_date(text, paragraph.line, draft)
            continue
        if is_attached_note(paragraph):
            in_title = False
            draft.preamble.append(text)
            _fill_number_and_date(text, paragraph.line, draft)
            continue
        if in_title and _continues_title(text):
            title_lines.append(text)
            continue
        in_title = False
        draft.preamble.append(text)
    if title_lines:
        draft.title = " ".join(title_lines)
    draft.preamble = [*decision_preamble, *draft.preamble]
    draft.resolution = draft.term = None
    _read_resolution_and_term([draft.title, *draft.preamble[len(decision_preamble) :]], draft)
    if draft.resolution is None and draft.term is None:
        _read_resolution_and_term(decision_preamble, draft)


def _fill_number_and_date(text: str, line: int, draft: ProgramDraft) -> None:
    """Number and date from a line that repeats them ("(Kèm theo Quyết định số 88/QĐ-UBND
    ngày 05/3/2024 ...)"), where the decision's header gave none."""
    if draft.number is None and (match := _NUMBER.search(text) or _NOTE_NUMBER.search(text)):
        draft.number = _clean_number(match["n"])
    if draft.date is None and (match := _PLACE_DATE.search(text) or _DATE_FIGURES.search(text)):
        draft.date = _header_date(match, line, draft)


def _clean_number(number: str) -> str:
    """ "123 /KH-UBND" -> "123/KH-UBND": the spaces typed around a number's slash go."""
    return re.sub(r"\s+", "", number).rstrip(".,;")


def _kind_name(text: str) -> str:
    """ "KẾ HOẠCH" -> "Kế hoạch": the type name as the draft's kind."""
    text = " ".join(text.strip(" *_:.").split())
    return text[:1].upper() + text[1:].lower()


def _read_resolution_and_term(texts: list[str], draft: ProgramDraft) -> None:
    for text in texts:
        if draft.resolution is None and (match := _RESOLUTION.search(text)):
            draft.resolution = match["r"].strip()
        if draft.term is None and (match := _TERM.search(text)):
            start, end = int(match[1]), int(match[2])
            if start <= end:
                draft.term = (start, end)


def flatten(blocks: list[Block]) -> list[Paragraph]:
    """Tables of the header or closing (a two-column layout in Word) read as paragraphs,
    column by column, so nothing in them is lost."""
    out: list[Paragraph] = []
    for block in blocks:
        if isinstance(block, Paragraph):
            out.append(block)
            continue
        columns = max((len(row) for row in block.rows), default=0)
        for column in range(columns):
            for row in block.rows:
                if column < len(row) and row[column].strip():
                    out.extend(
                        Paragraph(part.strip(), block.line)
                        for part in re.split(r"\n+", row[column])
                        if part.strip()
                    )
    return out


def read_header(blocks: list[Block], draft: ProgramDraft, registry: Registry) -> None:
    """Fill the draft's header fields from the paragraphs before the first heading.

    A PDF's two header columns often come out as one line ("TỈNH ỦY QUẢNG NGÃI ĐẢNG CỘNG SẢN
    VIỆT NAM", "Số 01-CTr/TU Quảng Ngãi, ngày ..."), so each line gives up its motto, number
    and date, and what is left of the upper-case lines above the title names the issuer.
    The title is the lines under the type name ("KẾ HOẠCH" / "Triển khai ..."), as written;
    a type name that opens a longer line ("CHƯƠNG TRÌNH HÀNH ĐỘNG CỦA TỈNH ỦY") is part of
    the title's wording and stays in it.
    """
    title_lines: list[str] = []
    issuer_lines: list[str] = []
    seen_kind = in_title = False
    for paragraph in flatten(blocks):
        text = paragraph.text
        if not seen_kind:
            text = _MOTTO.sub(" ", text)
            if match := _NUMBER.search(text):
                draft.number = draft.number or _clean_number(match["n"])
                text = text[: match.start()] + " " + text[match.end() :]
            if match := _PLACE_DATE.search(text) or _PLACE_DATE_NUMERIC.search(text):
                if draft.date is None:
                    draft.date = _header_date(match, paragraph.line, draft)
                text = text[: match.start()] + " " + text[match.end() :]
            text = " ".join(text.split()).strip(" *-–_")
            if not text:
                continue
        kind = next((k for k in _DOC_KINDS if text.startswith(k)), None)
        if kind and not seen_kind and text.isupper():
            seen_kind = in_title = True
            if is_kind_line(Paragraph(text, paragraph.line)):
                draft.kind = _kind_name(text)
            else:
                draft.kind = kind.capitalize()
                title_lines.append(text)
        elif in_title and is_attached_note(paragraph):
            in_title = False
            draft.preamble.append(text)
        elif (
            in_title
            and _continues_title(text)
            and not (draft.kind in _DECIDED and _is_authority(text, title_lines))
        ):
            title_lines.append(text)
        elif not seen_kind and not draft.preamble and text.isupper():
            issuer_lines.append(text)
        else:
            in_title = False
            draft.preamble.append(text)
    draft.title = " ".join(title_lines)
    if issuer_lines:
        draft.issuer = _issuer_from_lines(issuer_lines, registry)
    elif title_lines and (match := _OF_ISSUER.search(title_lines[0])):
        draft.issuer = _issuer_name(match["issuer"], registry)
    _read_resolution_and_term([draft.title, *draft.preamble], draft)


# Documents whose title is followed by the line naming who decides ("THỦ TƯỚNG CHÍNH PHỦ").
_DECIDED = frozenset({"Quyết định", "Nghị quyết", "Thông tư"})


def _is_authority(text: str, title_lines: list[str]) -> bool:
    """The line under a decision's title that names who decides ("THỦ TƯỚNG CHÍNH PHỦ",
    "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH ..."): upper case, a title or a body, not the title."""
    return bool(title_lines) and text.isupper() and fold(text).startswith(_AUTHORITY_WORDS)


def _continues_title(text: str) -> bool:
    """A title's second line ("thực hiện Nghị quyết ...", "Triển khai thực hiện ...") as
    against the preamble ("Thực hiện Nghị quyết ..., Tỉnh ủy ban hành ... như sau:")."""
    return not (text.endswith(":") or len(text) > 300 or text.startswith(_PREAMBLE_OPENERS))


def _header_date(match: re.Match[str], line: int, draft: ProgramDraft) -> dt.date | None:
    day, month, year = (int(g) for g in match.group("d", "m", "y"))
    try:
        return dt.date(year, month, day)
    except ValueError:
        draft.warn(line, f"Ngày ban hành không hợp lệ: {match.group(0)!r}")
        return None


def _issuer_name(text: str, registry: Registry) -> str:
    """A registry name for "TỈNH ỦY QUẢNG NGÃI" or "Tỉnh ủy", else the name in a readable
    case with its place kept ("Ủy ban nhân dân tỉnh Lai Châu"): the place is what tells one
    province's bodies from another's. "UBND", "HĐND", "TP" are written out."""
    text = " ".join(text.split()).strip(" *-–_,.")
    text = _ABBREVIATED.sub(lambda m: _WRITTEN_OUT[m[0].upper()], text)
    entry = registry.lookup(text)
    if entry:
        return entry.name
    return readable_name(text) if text.isupper() else text


def _issuer_from_lines(lines: list[str], registry: Registry) -> str:
    """The issuer from the upper-case lines of the header's left column. A body under a
    superior one is written below it ("BAN CHẤP HÀNH TRUNG ƯƠNG" / "ĐẢNG ĐOÀN QUỐC HỘI",
    "UBND TỈNH QUẢNG NGÃI" / "SỞ TÀI CHÍNH"): the issuer is the lower body, with the
    superior's place (or the superior Party committee) when it names none of its own. A
    name broken over two lines ("UỶ BAN NHÂN DÂN" / "TỈNH LAI CHÂU") is joined."""
    whole = " ".join(lines)
    entry = registry.lookup(" ".join(whole.split()).strip(" *-–_,."))
    if entry:
        return entry.name
    words = whole.split()
    folded = fold(whole).split()
    cut = next(
        (
            i
            for i in range(2, len(words) - 1)
            if any(tuple(folded[i : i + len(head)]) == head for head in _SUBORDINATE_HEADS)
        ),
        None,
    )
    if cut is None:
        return _issuer_name(whole, registry)
    superior, own = " ".join(words[:cut]), " ".join(words[cut:])
    if not _PLACE.search(fold(own)):
        folded_superior = fold(superior)
        if _PARTY_COMMITTEE.match(folded_superior):
            own = f"{own} {superior}"
        elif place := _PLACE.search(folded_superior):
            own = f"{own} {superior[place.start() :]}"
    return _issuer_name(own, registry)


# Abbreviations a header writes for the words of a body's name.
_WRITTEN_OUT = {"UBND": "ỦY BAN NHÂN DÂN", "HĐND": "HỘI ĐỒNG NHÂN DÂN", "TP": "THÀNH PHỐ"}
_ABBREVIATED = re.compile(r"\b(?:UBND|HĐND|TP)\b\.?")


# Words that head a body's name below its superior's in a header ("SỞ", "ĐẢNG ĐOÀN"), folded.
_SUBORDINATE_HEADS = tuple(
    tuple(head.split())
    for head in (
        "dang doan",
        "ban can su dang",
        "dang uy",
        "so",
        "van phong",
        "ban tuyen giao",
        "ban to chuc",
        "ban dan van",
        "ban noi chinh",
        "ban kinh te",
        "uy ban kiem tra",
        "chi cuc",
        "tong cuc",
    )
)
_PLACE = re.compile(
    r"\b(?:tinh|thanh pho|huyen|quan|thi xa|xa|phuong|thi tran|dac khu)\s+(?!uy\b)\w"
)
_PARTY_COMMITTEE = re.compile(r"^(?:tinh|thanh|huyen|quan|thi|dang) uy\b")
_AUTHORITY_WORDS = (
    "thu tuong",
    "chu tich",
    "bo truong",
    "uy ban nhan dan",
    "hoi dong nhan dan",
    "ban thuong vu",
    "ban chap hanh",
    "giam doc",
    "tinh uy",
    "thanh uy",
    "huyen uy",
    "chinh phu",
)

# Old tone placement ("UỶ", "Thuý") as the registry and today's texts write it ("ỦY").
_OLD_TONE = re.compile(r"(?<![qQ])([uU])([ỷýỳỹỵỶÝỲỸỴ])(?!\w)")
_TONED_U = dict(zip("ỷýỳỹỵ", "ủúùũụ", strict=True))


def _new_tone(match: re.Match[str]) -> str:
    """ "uỷ" -> "ủy", "UỶ" -> "ỦY": the tone mark on the u, as the registry writes it."""
    u, y = match[1], match[2]
    toned = _TONED_U[y.lower()]
    return (toned.upper() if u.isupper() else toned) + ("Y" if y.isupper() else "y")


# Phrases of body names with their fixed case, lower-cased keys.
_FIXED = {
    "chính phủ": "Chính phủ",
    "quốc hội": "Quốc hội",
    "trung ương": "Trung ương",
    "việt nam": "Việt Nam",
    "tổ quốc": "Tổ quốc",
    "nhà nước": "Nhà nước",
    "bộ chính trị": "Bộ Chính trị",
    "ban bí thư": "Ban Bí thư",
    "ủy ban nhân dân": "ủy ban nhân dân",
    "hội đồng nhân dân": "hội đồng nhân dân",
    "xã hội": "xã hội",
}
_FIXED_LONGEST = max(len(key.split()) for key in _FIXED)
_ABBREVIATIONS = frozenset({"ubnd", "hđnd", "tp", "mttq", "vn", "qđnd", "tw"})
_PLACE_WORDS = frozenset(
    {"tỉnh", "thành phố", "tp", "huyện", "quận", "thị xã", "xã", "phường", "thị trấn", "đặc khu"}
)
_COMMITTEE_WORDS = frozenset({"tỉnh", "thành", "huyện", "quận", "thị", "đảng", "xã", "phường"})
_NAMED_HEADS = frozenset({"bộ", "sở", "ban", "cục", "tổng cục", "chi cục", "vụ", "đài"})


def readable_name(text: str) -> str:
    """A body's name typed in capitals, written as running text writes it: "ỦY BAN NHÂN DÂN
    TỈNH LAI CHÂU" -> "Ủy ban nhân dân tỉnh Lai Châu", "BỘ VĂN HÓA, THỂ THAO VÀ DU LỊCH" ->
    "Bộ Văn hóa, Thể thao và Du lịch", "THỦ TƯỚNG CHÍNH PHỦ" -> "Thủ tướng Chính phủ". The
    place after "tỉnh", "thành phố"... and after "Tỉnh ủy" is a proper name; the name after
    "Bộ", "Sở", "Ban"... starts each of its parts ("," "và" "-") with a capital."""
    text = _OLD_TONE.sub(_new_tone, " ".join(text.split()))
    words = text.lower().split()
    out: list[str] = []
    proper = False  # in a place's name: every word capitalised
    named = capital = False  # in the name after a head word; capitalise the next word
    index = 0
    while index < len(words):
        fixed = next(
            (
                " ".join(words[index : index + n])
                for n in range(_FIXED_LONGEST, 1, -1)
                if " ".join(words[index : index + n]) in _FIXED
            ),
            None,
        )
        if fixed and not proper:
            phrase = _FIXED[fixed]
            if capital or not out:
                phrase = phrase[:1].upper() + phrase[1:]
            out.extend(phrase.split())
            index += len(fixed.split())
            capital = False
            continue
        word = words[index]
        # two words, only where there are two: a last word alone is never a "pair"
        pair = " ".join(words[index : index + 2]) if index + 1 < len(words) else ""
        index += 1
        bare = word.strip(",.;")
        if bare in _ABBREVIATIONS:
            out.append(word.upper())
        elif proper or capital or not out:
            out.append(word[:1].upper() + word[1:])
        else:
            out.append(word)
        capital = False
        if bare in _COMMITTEE_WORDS and words[index : index + 1] == ["ủy"]:
            out[-1] = out[-1][:1].upper() + out[-1][1:]  # "Tỉnh ủy", "Đảng ủy": a body
            out.append("ủy")
            index += 1
            proper = True
        elif not proper and (bare in _PLACE_WORDS or pair in _PLACE_WORDS):
            if pair in _PLACE_WORDS:
                out.append(words[index])
                index += 1
            proper = True
        elif bare in _NAMED_HEADS or pair in _NAMED_HEADS:
            if pair in _NAMED_HEADS:
                out.append(words[index])
                index += 1
            named = capital = not proper
        elif named and (word.endswith(",") or bare in ("và", "-")):
            capital = True
    return " ".join(out)


def read_closing(blocks: list[Block], draft: ProgramDraft, registry: Registry) -> None:
    """Recipients ("Nơi nhận:" and the list under it) and the signature block."""
    in_recipients = False
    lines = _split_signature_lines(flatten(blocks))
    index = 0
    while index < len(lines):
        paragraph = lines[index]
        text = paragraph.text
        index += 1
        match = _RECIPIENTS.match(text)
        if match:
            in_recipients = True
            rest = text[match.end() :].strip()
            draft.recipients.extend(_recipients_of(rest))
            continue
        if _SIGN_OPENER.match(text) or (text.isupper() and _SIGN_TITLE.search(text)):
            # "T/M HUYỆN ỦY" / "BÍ THƯ" on lines of their own are one signature block.
            block = [text]
            while index < len(lines) and lines[index].text.isupper():
                if _RECIPIENTS.match(lines[index].text):
                    break
                block.append(lines[index].text)
                index += 1
            in_recipients = False
            _read_signer(" ".join(block), lines[index:], draft, registry)
            continue
        if in_recipients and (paragraph.bullet or not text.isupper()):
            draft.recipients.append(text.rstrip(",.;"))
        elif text != draft.signer.name:
            draft.warn(
                paragraph.line, f"Không xác định được vai trò của dòng cuối văn bản: {text!r}"
            )


def _split_signature_lines(lines: list[Paragraph]) -> list[Paragraph]:
    """A signature line that ends with the signer's name gives two lines, as a signature
    laid out one line each would."""
    out: list[Paragraph] = []
    for paragraph in lines:
        words = paragraph.text.split()
        # "TM. ỦY BAN NHÂN DÂN KT. CHỦ TỊCH PHÓ CHỦ TỊCH Tống Thanh Hải": the name is the
        # trailing words written Capitalised-lowercase, two to six of them.
        count = 0
        while count < min(6, len(words) - 1) and _is_name_word(words[-1 - count]):
            count += 1
        block = " ".join(words[: len(words) - count])
        if (
            count >= 2
            and block.isupper()
            and (_SIGN_OPENER.match(block) or _SIGN_TITLE.search(block))
        ):
            out.append(Paragraph(block, paragraph.line, paragraph.bullet))
            out.append(Paragraph(" ".join(words[-count:]), paragraph.line))
        else:
            out.append(paragraph)
    return out


def _is_name_word(word: str) -> bool:
    return len(word) > 1 and word[0].isupper() and word[1:].isalpha() and word[1:].islower()


def _recipients_of(text: str) -> list[str]:
    """The recipients written after "Nơi nhận:" on its own line, one or many."""
    parts = _RECIPIENT_SPLIT.split(text) if text.startswith(("-", "–", "+")) else [text]
    return [part.strip().rstrip(",.;").strip() for part in parts if part.strip(" ,.;")]


def _read_signer(
    text: str, after: list[Paragraph], draft: ProgramDraft, registry: Registry
) -> None:
    match = _SIGN_TITLE.search(text)
    if match:
        draft.signer.title = match["title"]
        on_behalf = text[: match.start()].strip()
        draft.signer.on_behalf = on_behalf or None
    else:
        draft.signer.on_behalf = text
    for paragraph in after:
        candidate = paragraph.text.strip()
        if _PERSON.match(candidate):
            draft.signer.name = candidate
            break
    if draft.issuer is None and draft.signer.on_behalf:
        body = _SIGN_OPENER.sub("", draft.signer.on_behalf).strip()
        if body:
            draft.issuer = _issuer_name(body, registry)


__all__ = ["Signer", "flatten", "is_closing_start", "read_closing", "read_header"]
