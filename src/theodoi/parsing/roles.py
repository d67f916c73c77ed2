"""Role lines ("Cơ quan tham mưu, thực hiện: X chủ trì, phối hợp với Y") and the bodies in
running prose ("Giao Sở X chủ trì, phối hợp với Y ..."), turned into assignments."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .heads import starts_with_head
from .model import Assignment
from .registry import Found, Registry
from .text import fold, fold_keep_offsets

# Role words as they appear in labels, folded. Order matters: longer first.
_ROLE_WORDS = (
    ("chi dao", "directs"),
    ("lanh dao", "directs"),
    ("ban hanh", "issues"),
    ("tham muu", "advises"),
    ("de xuat", "advises"),
    ("soan thao", "advises"),
    ("trinh", "advises"),
    ("thuc hien", "implements"),
    ("trien khai", "implements"),
    ("chu tri", "leads"),
    ("phoi hop", "coordinates"),
)
_ROLE_WORD = "|".join(word for word, _ in _ROLE_WORDS)
_ROLE_OF = dict(_ROLE_WORDS)
# "Cơ quan chỉ đạo, ban hành:", "Đơn vị chủ trì:", "Chủ trì:", "Cơ quan, đơn vị thực hiện:"
_ROLE_LABEL = re.compile(
    rf"^(?:(?:co quan|don vi|cap|bo phan)(?:\s*,\s*(?:co quan|don vi|dia phuong))*\s+)?"
    rf"(?P<roles>(?:{_ROLE_WORD})(?:\s*(?:,|va|/)?\s*(?:{_ROLE_WORD}))*)"
    rf"(?:\s+(?:chinh|thuc hien))?\s*:\s*"
)
_TIME_LABEL = re.compile(
    r"^(?:thoi gian|thoi han|tien do|moc thoi gian)"
    r"(?:\s+(?:hoan thanh|thuc hien|trien khai|ban hanh|trinh|bao cao|to chuc|gui))?\s*:\s*"
)
_PRODUCT_LABEL = re.compile(r"^(?:san pham|hinh thuc(?: van ban| san pham)?|ket qua)\s*:\s*")
_CONTENT_LABEL = re.compile(r"^(?:noi dung(?: nhiem vu| cong viec)?|nhiem vu)\s*:\s*")
_ITEM_PREFIX = re.compile(r"^(?:[a-zđ]\)|\d+\))\s+")


def roles_named(text: str) -> tuple[str, ...]:
    """The roles a heading names, in order: "Cơ quan chủ trì thực hiện" -> leads, implements."""
    words = re.findall(_ROLE_WORD, fold(text))
    return tuple(dict.fromkeys(_ROLE_OF[word] for word in words))


@dataclass(frozen=True)
class LabelLine:
    """A labelled line of a task: which field it fills and the value after the colon."""

    field: str  # "roles" | "time" | "product" | "content"
    value: str
    roles: tuple[str, ...] = ()


@lru_cache(maxsize=8192)
def read_label(text: str) -> LabelLine | None:
    """Recognise "Cơ quan chỉ đạo:", "Thời gian hoàn thành:", "Sản phẩm:" and their kin.

    A label sits in the first words, so only they are folded; the value is cut from ``text``
    at the offset found in the folded copy. Memoised: the outline and the task reader ask
    about the same paragraphs.
    """
    if ":" not in text[:80]:
        return _colonless_time(text)
    item = _ITEM_PREFIX.match(text)
    if item:
        text = text[item.end() :]
    folded = fold_keep_offsets(text[:80])
    match = _ROLE_LABEL.match(folded)
    if match:
        words = re.findall(_ROLE_WORD, match.group("roles"))
        return LabelLine("roles", text[match.end() :].strip(), tuple(_ROLE_OF[w] for w in words))
    for pattern, name in ((_TIME_LABEL, "time"), (_PRODUCT_LABEL, "product")):
        match = pattern.match(folded)
        if match:
            return LabelLine(name, text[match.end() :].strip())
    match = _CONTENT_LABEL.match(folded)
    if match:
        return LabelLine("content", text[match.end() :].strip())
    return None


# "Thời gian thực hiện sau khi ... được ban hành.": a time label written without its colon,
# recognised by the time word that follows it. Folded.
_BARE_TIME_LABEL = re.compile(
    r"^(?:thoi gian(?: hoan thanh| thuc hien| trien khai)?|thoi han(?: hoan thanh| thuc hien)?)"
    r"\s+(?=(?:sau|truoc|trong|tu|den|nam|quy|thang|ngay|cham nhat|dinh ky|hang|thuong xuyen"
    r"|khi|theo|giai doan)\b)"
)


def _colonless_time(text: str) -> LabelLine | None:
    if not text[:9].lower().startswith(("thời gian", "thời hạn")):
        return None
    match = _BARE_TIME_LABEL.match(fold_keep_offsets(text[:60]))
    return LabelLine("time", text[match.end() :].strip()) if match else None


def assignments_from(found: list[Found], roles: tuple[str, ...]) -> list[Assignment]:
    """Assignments for names found in one role line or sentence, all given ``roles``,
    plus "leads"/"coordinates" where the wording says "chủ trì" / "phối hợp với"."""
    out = []
    for item in found:
        extra = ("leads",) if item.lead else ("coordinates",) if item.coordinate else ()
        if item.coordinate and "leads" in roles:
            roles_here = [r for r in roles if r != "leads"]
        else:
            roles_here = list(roles)
        entry = item.entry
        out.append(
            Assignment(
                org=entry.name if entry else item.written,
                roles=[*roles_here, *(r for r in extra if r not in roles_here)],
                group=bool(entry and entry.group),
                id=entry.id if entry else None,
                written=item.written,
            )
        )
    return out


def role_line(label: LabelLine, registry: Registry) -> list[Assignment]:
    found, _ = registry.scan(label.value)
    return assignments_from(found, label.roles)


def merge(assignments: list[Assignment]) -> list[Assignment]:
    """One assignment per body, its roles the union of every line that names it."""
    merged: dict[str, Assignment] = {}
    for item in assignments:
        key = item.id or fold(item.org)
        if key in merged:
            current = merged[key]
            current.roles.extend(r for r in item.roles if r not in current.roles)
            current.inferred = current.inferred and item.inferred
        else:
            merged[key] = Assignment(
                item.org, list(item.roles), item.group, item.id, item.written, item.inferred
            )
    return list(merged.values())


# Verbs that open a prose assignment and the role they give the bodies before them.
_VERB_ROLES = (
    ("chi dao", "directs"),
    ("lanh dao", "directs"),
    ("ban hanh", "issues"),
    ("tham muu", "advises"),
    ("de xuat", "advises"),
    ("chu tri", "leads"),
)
_PREDICATE = re.compile(r"\s+là\s+")
_OPENERS = re.compile(r"^(?:giao(?: cho)?|de nghi|yeu cau|phan cong)\s+")
# Verbs that end the list of bodies after "Giao": what they are given to do.
_TASK_VERBS = frozenset(
    tuple(verb.split())
    for verb in (
        "hoan thanh", "thuc hien", "to chuc", "xay dung", "theo doi", "trien khai", "bao cao",
        "tham muu", "nghien cuu", "ra soat", "chu dong", "kiem tra", "huong dan", "tong hop",
        "de xuat", "ban hanh", "phoi hop", "dam bao", "bao dam", "tiep tuc", "tang cuong",
        "day manh", "quan triet", "tuyen truyen", "chi dao", "lanh dao", "cu the", "dinh ky",
        "tong ket", "so ket", "danh gia",
    )
)  # fmt: skip
_DIRECTED = re.compile(
    r"^(?:chi dao|huong dan|dinh huong)(?:\s*,\s*(?:chi dao|huong dan|dinh huong))*\s+"
)


def prose_assignments(sentence: str, registry: Registry) -> list[Assignment]:
    """The bodies a prose sentence assigns: its subject ("Ban Tuyên giáo Tỉnh ủy tham mưu
    ..."), a "Giao X chủ trì, phối hợp với Y" clause, and the bodies a directing subject
    steers ("chỉ đạo, định hướng các cơ quan thông tin đại chúng xây dựng ...")."""
    return prose_clause(sentence, registry)[0]


def prose_clause(sentence: str, registry: Registry) -> tuple[list[Assignment], str]:
    """The assignments of a prose sentence and what it gives them to do (folded: "theo doi
    viec thuc hien ...")."""
    folded = fold_keep_offsets(sentence)
    offset = 0
    opener = _OPENERS.match(folded)
    opener_matched = bool(opener)
    if opener:
        # "Giao X ..." names its bodies even when the registry does not know them.
        offset = opener.end()
        named = _PREDICATE.split(sentence[offset:], maxsplit=1)[0]  # "Giao X là cơ quan ..."
        found, stop = registry.scan(named, until=_TASK_VERBS)
    else:
        found, stop = registry.scan(sentence[offset:], prefix_only=True)
        known = any(f.entry for f in found)
        if (not known or not _verb_at(sentence, folded, stop)) and starts_with_head(sentence):
            # A subject no registry knows, written as a body's name: "Ủy ban nhân dân thành
            # phố Hà Nội chủ trì, phối hợp với Bộ Công an bố trí ..." (kept whole, as written),
            # or one the registry knows only the start of ("Ban" of "Ban Quản lý ...").
            whole, end = registry.scan(sentence, until=_DUTY_VERBS)
            whole = [f for f in whole if f.written and fold(f.written) not in ("cac", "va")]
            if whole and (not known or len(whole[0].written) > len(found[0].written)):
                found, stop = whole, end
                opener_matched = False
                opener = True  # the names stand, known or not
    if not found or not (opener or any(f.entry for f in found)):
        return [], ""
    stop += offset
    rest = folded[stop:].lstrip(" ,")
    verb_role = next((role for verb, role in _VERB_ROLES if rest.startswith(verb)), "implements")
    out = assignments_from(found, (verb_role,) if verb_role != "leads" else ())
    if not opener_matched and not any(f.lead for f in found):
        # "X phối hợp với Y tổ chức ...", no chủ trì: the verb is X's; Y only coordinates.
        for item in out:
            if "coordinates" in item.roles:
                item.roles = ["coordinates"]
    if verb_role == "directs":
        after = _DIRECTED.match(rest)
        if after:
            start = len(sentence) - len(rest) + after.end()
            steered, _ = registry.scan(sentence[start:], prefix_only=True)
            out += assignments_from([f for f in steered if f.entry], ("implements",))
    return out, rest


# "Phối hợp (chặt chẽ) (với|cùng) X ...", "Chủ trì, phối hợp với X ...": the bodies after it
# coordinate. Folded.
_WITH = re.compile(r"\bphoi hop(?: chat che| thuong xuyen)?(?:\s+(?:voi|cung))?\s+")
# Verbs that end the list of bodies a duty names (folded word pairs), beyond those after
# "Giao": what the bodies are asked to do.
_DUTY_VERBS = _TASK_VERBS | frozenset(
    tuple(verb.split())
    for verb in (
        "tham dinh", "giam sat", "cap nhat", "chia se", "van chuyen", "ho tro", "pho bien",
        "nang cao", "xu ly", "huy dong", "bo tri", "cung cap", "ket noi", "tich hop",
        "ung dung", "khao sat", "long ghep", "phat hien", "ngan chan", "quan ly", "van hanh",
        "tiep nhan", "phan bo", "phan phoi", "dieu tra", "thu thap", "dang tai", "cong bo",
        "sua doi", "tap huan", "boi duong", "dao tao", "giai quyet", "khac phuc", "thong tin",
        "truyen thong", "giao duc", "tien hanh", "kiem soat", "dieu tiet", "cap phat",
        "thong ke", "so hoa", "chuan hoa", "phong ngua", "ung pho", "duy tri", "phat trien",
        "hoan thien", "thuc day", "van dong", "keu goi", "nam bat", "tham gia", "trao doi",
        "doi thoai", "dung nha", "xac dinh", "lua chon", "don dep", "thuc hien", "tiep tuc",
        "tham muu", "trinh cap", "de nghi", "bao ve", "can doi", "to chuc", "dinh huong",
        "day nhanh", "tang cuong", "day manh",
    )
)  # fmt: skip
_CLAUSE_END = re.compile(r"[.;:]")
# After "phối hợp với", words that name bodies besides the heads of names (folded).
_ALSO_NAMES = ("to chuc", "ca nhan", "nganh", "co so", "cong dong", "nha truong", "hang")


def _verb_at(sentence: str, folded: str, stop: int) -> bool:
    """Whether what follows a subject's name is its verb or a role marker, so the name is
    whole: "Ban Quản lý ... chủ trì" is not "Ban" + "Quản lý ..." (a verb is in lower case)."""
    rest = sentence[stop:].lstrip(" ,")
    if not rest or not rest[0].islower():
        return not rest
    words = tuple(folded[stop:].lstrip(" ,").split()[:2])
    return words in _DUTY_VERBS or words in (("chu", "tri"), ("phoi", "hop"))


def coordinators(text: str, registry: Registry) -> list[Assignment]:
    """The bodies a duty says it works with: "Phối hợp với Sở Y tế, Công an tỉnh tổ chức ..."
    (first sentence only; the list ends at the verb that says what they do)."""
    first = _CLAUSE_END.split(text, maxsplit=1)[0]
    folded = fold_keep_offsets(first)
    match = _WITH.search(folded)
    if not match:
        return []
    found, _ = registry.scan(first[match.end() :], until=_DUTY_VERBS)
    out = []
    for item in found:
        entry = item.entry
        written = item.written
        if not written or fold(written) in ("cac", "va"):
            continue
        if entry is None and not (
            starts_with_head(written) or fold(written).startswith(_ALSO_NAMES)
        ):
            break  # "... Công an tỉnh đẩy nhanh tiến độ": the verb phrase, not a body
        out.append(
            Assignment(
                org=entry.name if entry else written,
                roles=["coordinates"],
                group=bool(entry and entry.group),
                id=entry.id if entry else None,
                written=written,
            )
        )
    return out
