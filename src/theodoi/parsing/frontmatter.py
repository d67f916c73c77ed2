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

_NUMBER = re.compile(r"(?:^|\s)Số\s*:?\s*(?P<n>\d[\w./\-]*)", re.IGNORECASE)
# "Quảng Ngãi, ngày 10 tháng 12 năm 2020": the place goes with the date.
_PLACE_DATE = re.compile(
    r"(?:[A-ZĐÀ-Ỹ][\wÀ-ỹ]*(?:\s+[A-ZĐÀ-Ỹ][\wÀ-ỹ]*){0,4}\s*,\s*)?"
    r"ngày\s+(?P<d>\d{1,2})\s+tháng\s+(?P<m>\d{1,2})\s+năm\s+(?P<y>\d{4})",
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
    r"(?P<title>(?:PHÓ\s+)?(?:BÍ THƯ(?: THƯỜNG TRỰC)?|CHỦ TỊCH|TRƯỞNG BAN|GIÁM ĐỐC"
    r"|CHÁNH VĂN PHÒNG|THỦ TRƯỞNG|BỘ TRƯỞNG))\s*$"
)
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
    return fold(block.text.strip(" *_:.")) in _KIND_WORDS


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
    decision_preamble = draft.preamble
    draft.preamble = []
    title_lines: list[str] = []
    in_title = True
    for paragraph in flatten(blocks):
        text = paragraph.text.strip()
        if not text:
            continue
        if is_kind_line(paragraph) and draft.kind != _kind_name(text) and not title_lines:
            draft.kind = _kind_name(text)
            continue
        if is_attached_note(paragraph):
            in_title = False
            if draft.number is None and (match := _NUMBER.search(text)):
                draft.number = match["n"].rstrip(".,;")
            if draft.date is None and (match := _PLACE_DATE.search(text)):
                draft.date = _header_date(match, paragraph.line, draft)
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
    """
    title_lines: list[str] = []
    issuer_lines: list[str] = []
    in_title = False
    for paragraph in flatten(blocks):
        text = paragraph.text
        if not title_lines:
            text = _MOTTO.sub(" ", text)
            if match := _NUMBER.search(text):
                draft.number = draft.number or match["n"].rstrip(".,;")
                text = text[: match.start()] + " " + text[match.end() :]
            if match := _PLACE_DATE.search(text):
                if draft.date is None:
                    draft.date = _header_date(match, paragraph.line, draft)
                text = text[: match.start()] + " " + text[match.end() :]
            text = " ".join(text.split()).strip(" *-–_")
            if not text:
                continue
        kind = next((k for k in _DOC_KINDS if text.startswith(k)), None)
        if kind and not title_lines and text.isupper():
            draft.kind = kind.capitalize()
            title_lines.append(text)
            in_title = True
        elif in_title and _continues_title(text):
            title_lines.append(text)
        elif not title_lines and not draft.preamble and text.isupper():
            issuer_lines.append(text)
        else:
            in_title = False
            draft.preamble.append(text)
    draft.title = " ".join(title_lines)
    if issuer_lines:
        draft.issuer = _issuer_name(" ".join(issuer_lines), registry)
    elif title_lines and (match := _OF_ISSUER.search(title_lines[0])):
        draft.issuer = _issuer_name(match["issuer"], registry)
    _read_resolution_and_term([draft.title, *draft.preamble], draft)


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
    """A registry name for "TỈNH ỦY QUẢNG NGÃI" or "Tỉnh ủy", else the words in title case."""
    entry = registry.lookup(text)
    if entry:
        return entry.name
    return text[:1].upper() + text[1:].lower() if text.isupper() else text


def read_closing(blocks: list[Block], draft: ProgramDraft, registry: Registry) -> None:
    """Recipients ("Nơi nhận:" and the list under it) and the signature block."""
    in_recipients = False
    lines = flatten(blocks)
    index = 0
    while index < len(lines):
        paragraph = lines[index]
        text = paragraph.text
        index += 1
        match = _RECIPIENTS.match(text)
        if match:
            in_recipients = True
            rest = text[match.end() :].strip()
            if rest:
                draft.recipients.append(rest.rstrip(",.;"))
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
