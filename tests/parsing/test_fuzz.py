"""Fuzzing the parser's entry points one by one (test_properties.py fuzzes whole documents from
text and from random bytes): the time-expression parser, role labels and prose, cited
references, and the Word and PDF readers on mutated bytes of real small documents, where random
bytes never get past the first check. Each answers with a result or a ParseError with a
message a person can read, never another exception.

bench/fuzz_parser.py runs the same properties for longer (PROPERTIES below).
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
import zipfile
from functools import cache
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from theodoi.parsing import ParseError, example_registry
from theodoi.parsing.readers import read_docx, read_pdf
from theodoi.parsing.references import find_references
from theodoi.parsing.roles import prose_assignments, read_label, role_line, roles_named
from theodoi.parsing.times import find_times, parse_time

from .builders import build_docx, build_pdf

KINDS = {"deadline", "recurring", "continuous", "ongoing", "compound", "unknown"}
EVERY = {None, "year", "half-year", "quarter", "month"}
ROLES = {"directs", "issues", "advises", "implements", "leads", "coordinates"}

# Pieces of the time expressions programs write, and of what surrounds them.
TIME_WORDS = st.sampled_from(
    [
        "Trong", "trong", "quý", "Quý", "I", "II", "III", "IV", "V", "/", "/2021", "2020",
        "2025", "9999", "0", "00", "13/2021", "tháng", "Tháng", "năm", "Năm", "hàng năm",
        "Hàng năm", "hằng", "Thường xuyên", "Chậm nhất", "trước", "ngày", "31/02/2021",
        "30/6", "6 tháng đầu năm", "nửa năm", "định kỳ", "mỗi", "quý I/2021", "và",
        "những năm tiếp theo", "(đối với", ")", "(", "nhiệm kỳ", "2020-2025", "2020 - 2025",
        "giai đoạn", "đến", "từ", "-", "–", ",", ";", ".", "Năm 2021 và", "sau", "tháng 9/2021",
        "Q.I", "quí", "đầu năm 2022", "cuối", "Quy định số 101-QĐ/TW ngày 07/6/2012",
        "99999999999999999999", "\u0301", "\u00a0", "\n",
    ]
)  # fmt: skip
TIME_TEXT = st.lists(st.one_of(TIME_WORDS, st.text(max_size=6)), max_size=14).map(" ".join)
TERMS = st.one_of(
    st.none(),
    st.tuples(st.integers(-10, 10000), st.integers(-10, 10000)),
    st.just((2020, 2025)),
)
ROLE_TEXT = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "Cơ quan chỉ đạo",
                "ban hành",
                "tham mưu",
                "thực hiện",
                "chủ trì",
                "phối hợp",
                ":",
                "*",
                "+",
                "-",
                "Thời gian hoàn thành:",
                "Sản phẩm:",
                "Nội dung:",
                "Ban Tổ chức Tỉnh ủy",
                "Sở Nội vụ",
                "các sở, ban, ngành",
                "UBND tỉnh",
                "Giao",
                "với",
                "và",
                ",",
                "a)",
                "1)",
                "các huyện ủy, thị ủy, thành ủy",
                "Đảng đoàn HĐND tỉnh",
                "(",
                ")",
                "Ban Thường vụ Tỉnh ủy",
                "\n",
            ]
        ),
        st.text(max_size=8),
    ),
    max_size=20,
).map(" ".join)
REFERENCE_TEXT = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "Quy định",
                "số",
                "101-QĐ/TW",
                "ngày",
                "07/6/2012",
                "Nghị quyết",
                "Chỉ thị",
                "05-CT/TU",
                "Kết luận",
                "của",
                "Bộ Chính trị",
                "31/2/2020",
                "00/00/0000",
                "năm",
                "2021",
                "/",
                "-",
                "QĐ",
                "TW",
                "Đại hội",
                "lần thứ XX",
                ",",
            ]
        ),
        st.text(max_size=6),
    ),
    max_size=16,
).map(" ".join)

DOCX_ITEMS = [
    "TỈNH ỦY QUẢNG NGÃI",
    "CHƯƠNG TRÌNH HÀNH ĐỘNG",
    "B. NHIỆM VỤ",
    "III. Nhiệm vụ cụ thể",
    "1. Xây dựng Đảng",
    "- Ban hành Chỉ thị về công tác tư tưởng.",
    "+ Cơ quan chỉ đạo, ban hành: Ban Thường vụ Tỉnh ủy.",
    "+ Cơ quan tham mưu: Ban Tổ chức Tỉnh ủy chủ trì, phối hợp với Sở Nội vụ.",
    "+ Thời gian hoàn thành: Trong quý I/2021.",
    [["STT", "Nhiệm vụ", "Cơ quan chủ trì", "Thời gian"], ["1", "Kế hoạch", "Sở Y tế", "Năm 2022"]],
]


@cache
def sample(kind: str) -> bytes:
    """A real small .docx or .pdf program, built once."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"sample.{kind}"
        (build_docx if kind == "docx" else build_pdf)(path, DOCX_ITEMS)
        return path.read_bytes()


@st.composite
def mutated(draw, data: bytes) -> bytes:
    """``data`` with a few bytes changed, inserted or removed, or cut short."""
    data = bytearray(data)
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        how = draw(st.sampled_from(["flip", "set", "insert", "delete", "cut"]))
        if how == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif how == "set":
            data[at] = draw(st.sampled_from([0, 0x20, 0x25, 0x3C, 0x3E, 0x7F, 0xFF]))
        elif how == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif how == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        else:
            del data[at:]
    return bytes(data)


XML_PIECES = st.sampled_from(
    [
        b'<w:numPr><w:ilvl w:val="99"/><w:numId w:val="-1"/></w:numPr>',
        b'<w:tc><w:tcPr><w:gridSpan w:val="0"/><w:vMerge/></w:tcPr></w:tc>',
        b"<w:tbl><w:tr></w:tr></w:tbl>",
        b'<w:br w:type="page"/>',
        b"<w:t>\xe1\xbb\x9f</w:t>",
        b"<w:p/>",
        b"</w:body>",
        b"&#0;",
        b"<",
    ]
)


@st.composite
def mutated_docx(draw) -> bytes:
    """The sample .docx with its document.xml (or numbering) damaged, re-zipped whole, so the
    damage reaches the Word reader rather than the ZIP check."""
    original = sample("docx")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(original)) as source, zipfile.ZipFile(out, "w") as target:
        victim = draw(
            st.sampled_from(["word/document.xml", "word/numbering.xml", "word/styles.xml"])
        )
        for name in source.namelist():
            data = source.read(name)
            if name == victim:
                if draw(st.booleans()):
                    data = draw(mutated(data))
                else:
                    at = draw(st.integers(0, len(data)))
                    data = data[:at] + draw(XML_PIECES) + data[at:]
            target.writestr(name, data)
    return out.getvalue()


def _clean(error: ParseError) -> None:
    message = str(error)
    assert message and "\n" not in message and "Traceback" not in message


def check_time(text: str, term) -> None:
    spec = parse_time(text, term=term)
    data = spec.to_dict()
    stack = [data]
    while stack:
        part = stack.pop()
        assert part["kind"] in KINDS and part["every"] in EVERY
        for key in ("due", "start"):
            assert part[key] is None or dt.date.fromisoformat(part[key])
        if part["kind"] == "deadline":
            assert part["due"]
        stack.extend(part["parts"])
    done = 0
    for start, end, found in find_times(text, term=term):
        assert done <= start < end <= len(text)
        assert found.kind in KINDS
        done = end


def check_roles(text: str) -> None:
    registry = example_registry()
    assert set(roles_named(text)) <= ROLES
    label = read_label(text)
    if label is not None:
        assert label.field in {"roles", "time", "product", "content"}
        for assignment in role_line(label, registry):
            assert assignment.org and set(assignment.roles) <= ROLES
    for assignment in prose_assignments(text, registry):
        assert assignment.org and set(assignment.roles) <= ROLES


def check_references(text: str) -> None:
    for reference in find_references(text):
        assert reference.text and reference.type
        assert reference.date is None or isinstance(reference.date, dt.date)


def check_docx(data: bytes) -> None:
    try:
        read_docx(data)
    except ParseError as error:
        _clean(error)


def check_pdf(data: bytes) -> None:
    try:
        read_pdf(data)
    except ParseError as error:
        _clean(error)


# name: (strategy of the arguments, the property, examples in the test suite)
PROPERTIES = {
    "times": (st.tuples(TIME_TEXT, TERMS), lambda args: check_time(*args), 120),
    "roles": (ROLE_TEXT, check_roles, 200),
    "references": (REFERENCE_TEXT, check_references, 150),
    "docx-bytes": (st.deferred(lambda: mutated(sample("docx"))), check_docx, 40),
    "docx-xml": (st.deferred(mutated_docx), check_docx, 40),
    "pdf-bytes": (st.deferred(lambda: mutated(sample("pdf"))), check_pdf, 25),
}


def _test(name: str):
    strategy, check, examples = PROPERTIES[name]

    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(strategy)
    def test(value) -> None:
        check(value)

    test.__name__ = f"test_{name.replace('-', '_')}_never_fails_uncleanly"
    return test


test_times_never_fails_uncleanly = _test("times")
test_roles_never_fails_uncleanly = _test("roles")
test_references_never_fails_uncleanly = _test("references")
test_docx_bytes_never_fails_uncleanly = _test("docx-bytes")
test_docx_xml_never_fails_uncleanly = _test("docx-xml")
test_pdf_bytes_never_fails_uncleanly = _test("pdf-bytes")
