"""The readers: Markdown, plain text, .docx and .pdf in, cleaned paragraphs and tables out."""

from __future__ import annotations

import io
import random
import re
import textwrap
import unicodedata
import zipfile
from functools import cache
from pathlib import Path

import pdfplumber
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from theodoi.parsing.blocks import Paragraph, ParseError, Table
from theodoi.parsing.readers import read_docx, read_file, read_pdf, read_text
from theodoi.parsing.readers.clean import clean
from theodoi.parsing.readers.docx import format_number

from .builders import MERGE_LEFT, MERGE_UP, build_docx, build_pdf, pdf_file

EXAMPLE = (
    Path(__file__).resolve().parents[2]
    / "src/theodoi/data/examples/quang-ngai-chuong-trinh-hanh-dong-xx.md"
)


def paragraphs(blocks):
    return [b for b in blocks if isinstance(b, Paragraph)]


def texts(blocks):
    return [b.text for b in paragraphs(blocks)]


def source_line(needle: str) -> int:
    """1-based number of the first line of the example file containing ``needle``."""
    for number, line in enumerate(EXAMPLE.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(needle)


@cache
def example_blocks():
    return read_file(EXAMPLE)


def find(blocks, start: str) -> Paragraph:
    matches = [p for p in paragraphs(blocks) if p.text.startswith(start)]
    assert len(matches) == 1, (start, matches)
    return matches[0]


# --------------------------------------------------------------------------- cleaning


@pytest.mark.parametrize(
    ("raw", "text", "bullet"),
    [
        ("+ *Cơ quan tham mưu*: Ban Tuyên giáo.", "Cơ quan tham mưu: Ban Tuyên giáo.", "+"),
        ("+ *Cơ quan chỉ đạo:* Ban Thường vụ.", "Cơ quan chỉ đạo: Ban Thường vụ.", "+"),
        ("- + *Cơ quan chỉ đạo, ban hành:* Tỉnh ủy.", "Cơ quan chỉ đạo, ban hành: Tỉnh ủy.", "+"),
        ("– Tiếp tục thực hiện", "Tiếp tục thực hiện", "–"),
        ("• Một", "Một", "•"),
        ("* Hai", "Hai", "*"),
        ("-Ban Tuyên giáo chủ trì", "Ban Tuyên giáo chủ trì", "-"),
        ("**Đậm** và *nghiêng* và ***cả hai***", "Đậm và nghiêng và cả hai", None),
        ("__đậm__ và _nghiêng_", "đậm và nghiêng", None),
        ("ten_bien_snake_case giữ nguyên", "ten_bien_snake_case giữ nguyên", None),
        ("*lẻ một dấu sao", "lẻ một dấu sao", None),
        ("Chỉ tiêu (*) giữ dấu chú thích", "Chỉ tiêu (*) giữ dấu chú thích", None),
        ("chính trị - xã hội, 2020 - 2025", "chính trị - xã hội, 2020 - 2025", None),
        ("-5 độ", "-5 độ", None),
        ("1.1. Tiêu đề giữ số", "1.1. Tiêu đề giữ số", None),
        ("a) mục a", "a) mục a", None),
        ("I. MỤC ĐÍCH", "I. MỤC ĐÍCH", None),
        ("1\\. Không phải danh sách", "1. Không phải danh sách", None),
        ("\\*không nhấn\\*", "*không nhấn*", None),
        ("\\- không phải gạch đầu dòng", "- không phải gạch đầu dòng", None),
        ("[Nghị quyết](https://example.vn/nq) số 01", "Nghị quyết số 01", None),
        ("  nhiều   khoảng\u00a0trắng\u200b  ", "nhiều khoảng trắng", None),
        ("Tie\u0302\u0301n hành", "Tiến hành", None),  # NFD in, NFC out
    ],
)
def test_clean(raw, text, bullet):
    assert clean(raw, markdown=True) == (text, bullet)


# --------------------------------------------------------------------------- the example


def test_example_paragraph_count_is_stable():
    blocks = example_blocks()
    assert not [b for b in blocks if isinstance(b, Table)]
    assert len(blocks) == 461


def test_example_opening_paragraphs():
    blocks = paragraphs(example_blocks())
    assert [(p.text, p.line) for p in blocks[:4]] == [
        ("CHƯƠNG TRÌNH HÀNH ĐỘNG CỦA TỈNH ỦY", source_line("**CHƯƠNG TRÌNH")),
        ("thực hiện Nghị quyết Đại hội đại biểu Đảng bộ tỉnh lần thứ XX", 6),
        (
            "Thực hiện Nghị quyết Đại hội đại biểu Đảng bộ tỉnh lần thứ XX, nhiệm kỳ 2020 - 2025 "
            "(sau đây viết tắt là Nghị quyết XX), Tỉnh ủy ban hành Chương trình hành động như sau:",
            8,
        ),
        ("A. MỤC ĐÍCH, YÊU CẦU VÀ PHẠM VI", 10),
    ]
    assert blocks[-2].text == "T/M TỈNH ỦY BÍ THƯ"


def test_example_rejoins_paragraph_cut_by_blank_line():
    blocks = example_blocks()
    p = find(blocks, "Rà soát, bổ sung các quy chế phối hợp giữa Ban Nội chính")
    assert "các tổ chức chính trị - xã hội, các cơ quan truyền thông, báo chí để phát huy" in p.text
    assert p.line == source_line("- Rà soát, bổ sung các quy chế phối hợp")
    assert p.bullet == "-"
    assert not [t for t in texts(blocks) if t.startswith("cơ quan truyền thông")]
    p = find(blocks, "Tiếp tục thực hiện tốt các chính sách và đẩy mạnh")
    assert "cho đối tượng bảo trợ dạy, giáo dục hòa nhập và phục hồi chức năng" in p.text


def test_example_displaced_line_stays_its_own_paragraph():
    blocks = paragraphs(example_blocks())
    displaced = "xã hội thuộc diện hộ nghèo và hỗ trợ tiền ăn cho trẻ khuyết tật trong thời gian"
    displaced += " nuôi"
    [index] = [i for i, p in enumerate(blocks) if p.text == displaced]
    assert blocks[index].line == source_line(displaced)
    assert blocks[index].bullet is None
    assert blocks[index - 1].text == "Thời gian thực hiện: Thường xuyên."
    assert blocks[index + 1].text.startswith("6. Bảo đảm quốc phòng, an ninh")


def test_example_role_lines():
    blocks = example_blocks()
    nested = source_line("- + *Cơ quan chỉ đạo, ban hành:* Ban Thường vụ Tỉnh ủy.")
    [p] = [p for p in paragraphs(blocks) if p.line == nested]
    assert (p.text, p.bullet) == ("Cơ quan chỉ đạo, ban hành: Ban Thường vụ Tỉnh ủy.", "+")
    colon_outside = source_line("+ *Cơ quan tham mưu*: Ban Tổ chức Tỉnh ủy chủ trì phối hợp")
    [p] = [p for p in paragraphs(blocks) if p.line == colon_outside]
    assert p.text == (
        "Cơ quan tham mưu: Ban Tổ chức Tỉnh ủy chủ trì phối hợp với các cơ quan liên quan."
    )
    assert p.bullet == "+"


def test_example_output_is_clean():
    for p in paragraphs(example_blocks()):
        assert "*" not in p.text, p
        assert p.text == unicodedata.normalize("NFC", p.text)
        assert p.text == p.text.strip() and "  " not in p.text
        assert not p.text.startswith(("- ", "+ ", "– ", "• ", "#"))
        assert p.bullet in (None, "-", "+")
    lines = [p.line for p in paragraphs(example_blocks())]
    assert lines == sorted(lines) and len(set(lines)) == len(lines)


def test_example_read_text_and_read_file_agree():
    assert read_text(EXAMPLE.read_text(encoding="utf-8")) == example_blocks()


# --------------------------------------------------------------------------- markdown


def test_markdown_pipe_table():
    text = textwrap.dedent(
        """\
        ## Phụ lục

        | STT | **Nhiệm vụ** | Cơ quan chủ trì |
        |----:|:---|---|
        | 1 | Xây dựng *kế hoạch* | Sở Nội vụ<br>Sở Tài chính |
        | 2 | Ký hiệu \\| trong ô | Ban Tuyên giáo Tỉnh ủy |

        Đoạn sau bảng.
        """
    )
    blocks = read_text(text)
    assert blocks == [
        Paragraph("Phụ lục", 1),
        Table(
            rows=[
                ["STT", "Nhiệm vụ", "Cơ quan chủ trì"],
                ["1", "Xây dựng kế hoạch", "Sở Nội vụ\nSở Tài chính"],
                ["2", "Ký hiệu | trong ô", "Ban Tuyên giáo Tỉnh ủy"],
            ],
            line=3,
        ),
        Paragraph("Đoạn sau bảng.", 8),
    ]


def test_markdown_lines_headings_rules_and_lists():
    text = (
        "# Tiêu đề #\n"
        "Dòng một của đoạn\n"
        "và dòng hai.\n"
        "- Mục một\n"
        "+ Mục con\n"
        "\n"
        "---\n"
        "\n"
        "1. Đoạn đánh số\n"
        "tiếp theo ở dòng sau\n"
    )
    assert read_text(text) == [
        Paragraph("Tiêu đề", 1),
        Paragraph("Dòng một của đoạn và dòng hai.", 2),
        Paragraph("Mục một", 4, "-"),
        Paragraph("Mục con", 5, "+"),
        Paragraph("1. Đoạn đánh số tiếp theo ở dòng sau", 9),
    ]


def test_markdown_rejoin_needs_lower_case_and_no_full_stop():
    text = "Đoạn chưa hết, các\n\ncơ quan tiếp tục.\n\nĐoạn hết.\n\nmới viết thường\n\n- gạch"
    assert texts(read_text(text)) == [
        "Đoạn chưa hết, các cơ quan tiếp tục.",
        "Đoạn hết.",
        "mới viết thường",
        "gạch",
    ]


def test_hard_wrapped_txt_file(tmp_path):
    """A plain text file wrapped at 72 columns, no blank lines: the same paragraphs as the
    Markdown source, role lines and numbering and ranges cut by the wrap included."""
    expected = [(p.text, p.bullet) for p in paragraphs(example_blocks())]
    lines = []
    for text, bullet in expected:
        lines += textwrap.wrap(f"{bullet} {text}" if bullet else text, width=72)
    path = tmp_path / "chuong-trinh.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    assert [(p.text, p.bullet) for p in paragraphs(read_file(path))] == expected


def test_hard_wrapped_small_text():
    text = (
        "KẾ HOẠCH\n"
        "Thực hiện chương trình hành động của Tỉnh ủy, Ủy ban nhân dân tỉnh ban\n"
        "hành Kế hoạch như sau:\n"
        "1. Sở Nội vụ chủ trì xây dựng kế hoạch cải cách hành chính giai đoạn 2021\n"
        "– 2025.\n"
        "Cơ quan phối hợp: Sở Tư pháp.\n"
        "Thời gian hoàn thành: Quý II/2022.\n"
        "Ghi chú cuối."
    )
    assert read_text(text) == [
        Paragraph("KẾ HOẠCH", 1),
        Paragraph(
            "Thực hiện chương trình hành động của Tỉnh ủy, Ủy ban nhân dân tỉnh ban hành "
            "Kế hoạch như sau:",
            2,
        ),
        Paragraph(
            "1. Sở Nội vụ chủ trì xây dựng kế hoạch cải cách hành chính giai đoạn 2021 – 2025.", 4
        ),
        Paragraph("Cơ quan phối hợp: Sở Tư pháp.", 6),
        Paragraph("Thời gian hoàn thành: Quý II/2022.", 7),
        Paragraph("Ghi chú cuối.", 8),
    ]


@pytest.mark.parametrize(
    "encoded",
    [
        "Kế hoạch\n\n- Việc một.".encode(),
        "\ufeffKế hoạch\n\n- Việc một.".encode(),
        "Kế hoạch\r\n\r\n- Việc một.".encode("utf-16"),  # with its BOM
    ],
)
def test_text_encodings(tmp_path, encoded):
    path = tmp_path / "ke-hoach.md"
    path.write_bytes(encoded)
    assert read_file(path) == [Paragraph("Kế hoạch", 1), Paragraph("Việc một.", 3, "-")]


# --------------------------------------------------------------------------- docx


DOCX_ITEMS = [
    "CHƯƠNG TRÌNH HÀNH ĐỘNG",
    ("numbered", 0, "MỤC ĐÍCH, YÊU CẦU"),
    ("numbered", 1, "Quán triệt Nghị quyết."),
    ("numbered", 0, "NỘI DUNG"),
    ("numbered", 1, "Xây dựng Đảng"),
    ("numbered", 2, "Chú trọng xây dựng Đảng về chính trị"),
    "- Rà soát các quy chế phối hợp với các tổ chức chính trị - xã hội, các",
    ("page-break",),
    "cơ quan truyền thông, báo chí.",
    "+ *Cơ quan chủ trì*: Ban Nội chính Tỉnh ủy.",
    "+ Thời gian:\nthường xuyên.",
    ("numbered", 2, "Xây dựng Đảng về đạo đức"),
    ("numbered", 1, "Phát triển kinh tế"),
    ("numbered", 2, "Công nghiệp"),
    ("numbered", 0, "Quán triệt", "decimal"),
    ("numbered", 1, "Học tập", "decimal"),
    ("numbered", 1, "Tuyên truyền", "decimal"),
    ("numbered", 0, "Việc có dấu đầu dòng", "bullet"),
    ("numbered", 1, "Việc con", "bullet"),
    ("restart", "decimal"),
    ("numbered", 0, "Đánh số lại từ đầu", "decimal"),
    ("styled", "Số lấy từ kiểu đoạn"),
    ("styled", "Kiểu đoạn lần hai"),
    ("heading", 1, "Phụ lục"),
    [
        ["STT", "Nhiệm vụ", "Cơ quan chủ trì", "Thời gian"],
        ["1", "Xây dựng kế hoạch", "Sở Nội vụ", "Quý I/2021"],
        ["2", "Tổ chức thực hiện (gộp hai cột)", MERGE_LEFT, "Thường xuyên"],
        ["3", "Sơ kết", "Sở Tài chính", MERGE_UP],
    ],
    "Nơi nhận:",
]

EXPECTED_PARAGRAPHS = [
    ("CHƯƠNG TRÌNH HÀNH ĐỘNG", None),
    ("I. MỤC ĐÍCH, YÊU CẦU", None),
    ("1. Quán triệt Nghị quyết.", None),
    ("II. NỘI DUNG", None),
    ("1. Xây dựng Đảng", None),
    ("1.1. Chú trọng xây dựng Đảng về chính trị", None),
    (
        "Rà soát các quy chế phối hợp với các tổ chức chính trị - xã hội, các cơ quan truyền "
        "thông, báo chí.",
        "-",
    ),
    ("Cơ quan chủ trì: Ban Nội chính Tỉnh ủy.", "+"),
    ("Thời gian: thường xuyên.", "+"),
    ("1.2. Xây dựng Đảng về đạo đức", None),
    ("2. Phát triển kinh tế", None),
    ("2.1. Công nghiệp", None),
    ("1. Quán triệt", None),
    ("1.1. Học tập", None),
    ("1.2. Tuyên truyền", None),
    ("Việc có dấu đầu dòng", "•"),
    ("Việc con", "–"),
    ("1. Đánh số lại từ đầu", None),
    ("1) Số lấy từ kiểu đoạn", None),
    ("2) Kiểu đoạn lần hai", None),
    ("Phụ lục", None),
    ("Nơi nhận:", None),
]

EXPECTED_TABLE = [
    ["STT", "Nhiệm vụ", "Cơ quan chủ trì", "Thời gian"],
    ["1", "Xây dựng kế hoạch", "Sở Nội vụ", "Quý I/2021"],
    ["2", "Tổ chức thực hiện (gộp hai cột)", "", "Thường xuyên"],  # merged: on the grid
    ["3", "Sơ kết", "Sở Tài chính", ""],  # the continuation of a vertical merge
]


def test_docx(tmp_path):
    path = build_docx(tmp_path / "chuong-trinh.docx", DOCX_ITEMS)
    blocks = read_file(path)
    assert [(p.text, p.bullet) for p in paragraphs(blocks)] == EXPECTED_PARAGRAPHS
    [table] = [b for b in blocks if isinstance(b, Table)]
    assert table.rows == EXPECTED_TABLE
    assert blocks.index(table) == len(blocks) - 2
    # Positions: paragraphs and table rows counted in body order, empty paragraphs included.
    assert [p.line for p in paragraphs(blocks)[:8]] == [1, 2, 3, 4, 5, 6, 7, 10]
    assert table.line == 24  # 23 paragraphs before it ("restart" adds none)
    assert blocks[-1].line == 28  # after the 4 rows
    assert read_docx(path) == blocks == read_docx(path.read_bytes())
    with path.open("rb") as handle:
        assert read_docx(handle) == blocks


@pytest.mark.parametrize(
    ("number", "fmt", "shown"),
    [
        (4, "upperRoman", "IV"),
        (19, "upperRoman", "XIX"),
        (2024, "upperRoman", "MMXXIV"),
        (9, "lowerRoman", "ix"),
        (1, "upperLetter", "A"),
        (28, "upperLetter", "BB"),
        (3, "lowerLetter", "c"),
        (7, "decimalZero", "07"),
        (12, "decimal", "12"),
        (5, "ordinal", "5"),  # formats not rendered fall back to decimal
    ],
)
def test_word_number_formats(number, fmt, shown):
    assert format_number(number, fmt) == shown


def test_docx_nested_table_and_cell_paragraphs(tmp_path):
    import docx

    document = docx.Document()
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Sở Tài chính"
    table.cell(0, 0).add_paragraph("Sở Nội vụ")
    inner = table.cell(0, 1).add_table(rows=1, cols=2)
    inner.cell(0, 0).text = "Bên trong"
    inner.cell(0, 1).text = "bảng con"
    document.add_paragraph("Đoạn văn.")
    path = tmp_path / "nested.docx"
    document.save(str(path))
    assert read_file(path) == [
        Table(rows=[["Sở Tài chính\nSở Nội vụ", "Bên trong\nbảng con"]], line=1),
        Paragraph("Đoạn văn.", 2),
    ]


# --------------------------------------------------------------------------- pdf

LONG = (
    "- Rà soát, bổ sung các quy chế phối hợp giữa Ban Nội chính Tỉnh ủy với Hội đồng nhân dân "
    "tỉnh, Mặt trận Tổ quốc và các tổ chức chính trị - xã hội, các cơ quan truyền thông, báo chí "
    "để phát huy vai trò, trách nhiệm của các cơ quan này trong đấu tranh phòng, chống tham "
    "nhũng, lãng phí; định kỳ hằng năm sơ kết, đánh giá kết quả thực hiện và đề xuất những giải "
    "pháp mới phù hợp với tình hình thực tế của địa phương."
)
PDF_TABLE = [
    ["STT", "Nhiệm vụ", "Cơ quan chủ trì"],
    ["1", "Xây dựng kế hoạch cải cách hành chính", "Sở Nội vụ"],
    ["2", "Chuyển đổi số", "Sở Thông tin và Truyền thông"],
]


def pdf_items(gap_mm: float) -> list:
    """One-line paragraphs filling page 1 so that LONG starts two lines before its end."""
    fillers = 31 if gap_mm else 42
    return [
        *(f"{n}. Nhiệm vụ số {n} của chương trình." for n in range(1, fillers + 1)),
        LONG,
        "+ Cơ quan chủ trì: Ban Nội chính Tỉnh ủy.",
        PDF_TABLE,
        "Thời gian hoàn thành: quý II/2022.",
        "Đoạn cuối trang, câu chưa hết ở các",
        ("page-break",),
        "cơ quan tiếp tục ở trang sau.",
    ]


@cache
def pdf_bytes(indent_mm: float, gap_mm: float) -> bytes:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        items = pdf_items(gap_mm)
        path = build_pdf(Path(folder) / "x.pdf", items, indent_mm=indent_mm, gap_mm=gap_mm)
        return path.read_bytes()


@pytest.mark.parametrize(("indent_mm", "gap_mm"), [(10, 2), (0, 0)])
def test_pdf(indent_mm, gap_mm):
    data = pdf_bytes(indent_mm, gap_mm)
    with pdfplumber.open(io.BytesIO(data)) as pdf:  # the layout the test is about
        pages = [page.extract_text_lines() for page in pdf.pages]
    assert len(pages) == 3
    assert pages[0][-1]["text"] == "- 1 -" and pages[1][-1]["text"] == "- 2 -"
    assert pages[0][-2]["text"] in LONG and pages[1][0]["text"] in LONG  # cut by the page
    assert pages[0][-2]["text"][0].islower() or pages[1][0]["text"][0].islower()

    blocks = read_pdf(data)
    expected = [clean(item) for item in pdf_items(gap_mm) if isinstance(item, str)]
    expected[-2:] = [("Đoạn cuối trang, câu chưa hết ở các cơ quan tiếp tục ở trang sau.", None)]
    assert [(p.text, p.bullet) for p in paragraphs(blocks)] == expected
    [table] = [b for b in blocks if isinstance(b, Table)]
    assert table.rows == PDF_TABLE
    assert isinstance(blocks[blocks.index(table) - 1], Paragraph)
    assert blocks[blocks.index(table) - 1].text.startswith("Cơ quan chủ trì")
    assert not [t for t in texts(blocks) if "- 1 -" in t or "- 2 -" in t]
    lines = [b.line for b in blocks]
    assert lines == sorted(lines) and lines[0] == 1


def test_pdf_merged_cells(tmp_path):
    rows = [
        ["STT", "Nhiệm vụ", "Cơ quan chủ trì", "Thời gian"],
        ["1", "Tổ chức thực hiện", MERGE_LEFT, "Thường xuyên"],
        ["2", "Sơ kết", "Sở Tài chính", MERGE_UP],
    ]
    path = build_pdf(tmp_path / "bang.pdf", ["Phụ lục", rows], page_label=None)
    assert read_file(path) == [
        Paragraph("Phụ lục", 1),
        Table(
            rows=[
                ["STT", "Nhiệm vụ", "Cơ quan chủ trì", "Thời gian"],
                ["1", "Tổ chức thực hiện", "", "Thường xuyên"],
                ["2", "Sơ kết", "Sở Tài chính", ""],
            ],
            line=2,
        ),
    ]


def test_pdf_of_the_whole_example(tmp_path):
    """The example written out as a flat pdf (no indent, no spacing: only line ends and the
    text to go by) reads back as the same paragraphs."""
    expected = [(p.text, p.bullet) for p in paragraphs(example_blocks())]
    # One character of the example (U+1031, a typo) is not in the bundled font subset.
    expected = [(t.replace("\u1031", "e"), b) for t, b in expected]
    items = [f"{b} {t}" if b else t for t, b in expected]
    path = build_pdf(tmp_path / "example.pdf", items, indent_mm=0, gap_mm=0)
    assert [(p.text, p.bullet) for p in paragraphs(read_file(path))] == expected


# --------------------------------------------------------------------------- sniffing


def test_content_decides_over_the_name(tmp_path):
    pdf = tmp_path / "thuc-ra-la-pdf.txt"
    pdf.write_bytes(pdf_bytes(10, 2))
    assert read_file(pdf) == read_pdf(pdf_bytes(10, 2))
    word = build_docx(tmp_path / "van-ban.docx", ["Đoạn một."])
    renamed = tmp_path / "van-ban.bin"
    renamed.write_bytes(word.read_bytes())
    assert read_file(renamed) == [Paragraph("Đoạn một.", 1)]


# --------------------------------------------------------------------------- errors


def error(path) -> str:
    with pytest.raises(ParseError) as caught:
        read_file(path)
    message = str(caught.value)
    assert message and "\n" not in message
    return message


def test_missing_file(tmp_path):
    assert "không tìm thấy tệp" in error(tmp_path / "khong-co.md")


def test_folder(tmp_path):
    assert "thư mục" in error(tmp_path)


@pytest.mark.parametrize("content", [b"", b"   \n\t\r\n  ", b"\xef\xbb\xbf  \n"])
@pytest.mark.parametrize("suffix", [".md", ".txt", ".docx", ".pdf"])
def test_empty_file(tmp_path, content, suffix):
    path = tmp_path / f"rong{suffix}"
    path.write_bytes(content)
    assert "tệp rỗng" in error(path)


def test_no_text_content(tmp_path):
    path = tmp_path / "chi-co-ke.md"
    path.write_text("# \n\n---\n\n***\n", encoding="utf-8")
    assert "không có nội dung văn bản" in error(path)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("bang-tinh.xlsx", b"PK\x03\x04" + bytes(40)),
        ("anh.png", b"\x89PNG\r\n\x1a\n" + bytes(40)),
        ("nen.zip", None),
    ],
)
def test_unsupported_type(tmp_path, name, content):
    path = tmp_path / name
    if content is None:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("readme.txt", "xin chào")
    else:
        path.write_bytes(content)
    message = error(path)
    assert f"định dạng không hỗ trợ: {path.suffix}" in message
    assert ".docx" in message and ".pdf" in message


def test_not_utf8_text(tmp_path):
    path = tmp_path / "tcvn3.txt"
    path.write_bytes("Kế hoạch".encode("cp1258", errors="replace") + b"\xff\xfe\xfa")
    assert "UTF-8" in error(path)


def test_random_bytes_named_docx(tmp_path):
    path = tmp_path / "hong.docx"
    path.write_bytes(random.Random(1).randbytes(3000))
    assert ".docx" in error(path)


def test_zip_without_document_xml(tmp_path):
    path = tmp_path / "thieu.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/styles.xml", "<styles/>")
    assert "word/document.xml" in error(path)


@pytest.mark.parametrize("name", ["cu.doc", "cu.docx"])
def test_legacy_doc(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    message = error(path)
    assert ".doc" in message and "lưu thành .docx" in message


def test_truncated_pdf(tmp_path):
    data = pdf_bytes(10, 2)
    path = tmp_path / "cat-do.pdf"
    path.write_bytes(data[: len(data) // 2])
    assert "PDF" in error(path)


def test_random_bytes_named_pdf(tmp_path):
    path = tmp_path / "hong.pdf"
    path.write_bytes(random.Random(2).randbytes(3000))
    assert "PDF" in error(path)


def test_pdf_with_garbage_body(tmp_path):
    path = tmp_path / "rac.pdf"
    path.write_bytes(b"%PDF-1.7\n" + random.Random(3).randbytes(3000) + b"\n%%EOF\n")
    assert "PDF" in error(path)


def test_pdf_without_text_layer(tmp_path):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 120, 60)  # a drawing, no text: what a scan looks like to a text reader
    path = tmp_path / "scan.pdf"
    pdf.output(str(path))
    message = error(path)  # nothing to recognise either: no OCR is tried
    assert "không có lớp văn bản" in message and "hình ảnh" in message
    # A PDF of page images (a scan) is read through OCR: tests/parsing/test_ocr.py.


def test_encrypted_pdf(tmp_path):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_encryption(owner_password="chu", user_password="mat-khau")
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(0, 10, "Noi dung mat")
    path = tmp_path / "khoa.pdf"
    pdf.output(str(path))
    assert "mật khẩu" in error(path)


def test_unreadable_file(tmp_path, monkeypatch):
    path = tmp_path / "khong-doc-duoc.md"
    path.write_text("Kế hoạch", encoding="utf-8")

    def refuse(self):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", refuse)
    assert "không có quyền đọc tệp" in error(path)


# --------------------------------------------------------------------------- properties

_ANY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def only_parse_errors(reader, data: bytes) -> None:
    try:
        blocks = reader(data)
    except ParseError as exc:
        assert str(exc) and "\n" not in str(exc)
    else:
        assert isinstance(blocks, list)


@_ANY
@given(st.binary(max_size=4096))
def test_random_bytes_raise_only_parse_error(data):
    only_parse_errors(read_docx, data)
    only_parse_errors(read_pdf, data)


@_ANY
@given(st.binary(max_size=4096))
def test_random_pdf_and_zip_bodies_raise_only_parse_error(data):
    only_parse_errors(read_pdf, b"%PDF-1.4\n" + data + b"\n%%EOF\n")
    only_parse_errors(read_docx, b"PK\x03\x04" + data)


@cache
def docx_bytes() -> bytes:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        return build_docx(Path(folder) / "x.docx", DOCX_ITEMS).read_bytes()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_damaged_real_files_raise_only_parse_error(data):
    """A real pdf or docx with some bytes overwritten (and maybe cut short) goes through
    pdfminer / zipfile / lxml: whatever breaks there comes out as a ParseError."""
    for reader, original in ((read_pdf, pdf_bytes(10, 2)), (read_docx, docx_bytes())):
        damaged = bytearray(original)
        for _ in range(data.draw(st.integers(1, 16))):
            position = data.draw(st.integers(0, len(damaged) - 1))
            damaged[position] = data.draw(st.integers(0, 255))
        if data.draw(st.booleans()):
            damaged = damaged[: data.draw(st.integers(len(damaged) // 2, len(damaged)))]
        only_parse_errors(reader, bytes(damaged))


# What no database here stores alike (NUL, lone surrogates) and the other controls that are
# not white space: a document's text never carries them into a draft.
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f\ud800-\udfff]")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_characters="\\")))
def test_any_text_reads_to_clean_paragraphs(text):
    try:
        blocks = read_text(text)
    except ParseError:
        return
    for block in blocks:
        if isinstance(block, Paragraph):
            assert block.text and block.text == block.text.strip()
            assert block.text == unicodedata.normalize("NFC", block.text)
            assert "\u200b" not in block.text and "\n" not in block.text
            assert not _CONTROL.search(block.text), repr(block.text)
            assert not block.text.startswith(("- ", "+ ", "– ", "• "))
            assert block.line >= 1


# --------------------------------------------------------------------------- as exported


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "Ủy ban nhân dân tỉnh chỉ đạo các sở, ngành\ntriển khai Kế hoạch, báo cáo kết quả\n"
            "trước ngày 15/12/2025.\n\nĐoạn hai.",
            [
                "Ủy ban nhân dân tỉnh chỉ đạo các sở, ngành triển khai Kế hoạch, báo cáo kết quả "
                "trước ngày 15/12/2025.",
                "Đoạn hai.",
            ],
            id="hard-wrapped-paragraph",
        ),
        pytest.param(
            "**+ Từ ngày 15 tháng 9 năm 2025**, **hướng dẫn ****tất cả hành khách**** sử dụng** "
            "Căn cước.",
            ["Từ ngày 15 tháng 9 năm 2025, hướng dẫn tất cả hành khách sử dụng Căn cước."],
            id="bold-runs-broken",
        ),
        pytest.param("** II**\n\nNội dung.", ["II", "Nội dung."], id="space-inside-opening"),
        pytest.param(
            "**2. Mục tiêu cụ thể đến năm 2030 **\n\n*Căn cứ Luật Tổ chức Chính phủ; *",
            ["2. Mục tiêu cụ thể đến năm 2030", "Căn cứ Luật Tổ chức Chính phủ;"],
            id="space-inside-closing",
        ),
        pytest.param(
            "**1. Sở Y tế\nchủ trì, phối hợp**\n\nNội dung.",
            ["1. Sở Y tế chủ trì, phối hợp", "Nội dung."],
            id="bold-heading-over-two-lines",
        ),
        pytest.param(
            "*a) *Tổ chức tuyên truyền.\n\n_b) _Tổ chức tập huấn.\n\nten_bien giữ nguyên ____",
            ["a) Tổ chức tuyên truyền.", "b) Tổ chức tập huấn.", "ten_bien giữ nguyên ____"],
            id="italic-label-space-inside",
        ),
        pytest.param(
            "**- **Nội dung tuyên truyền.\n\n**(1) Bộ Công an:**\n\n- Chủ trì triển khai.",
            ["Nội dung tuyên truyền.", "(1) Bộ Công an:", "Chủ trì triển khai."],
            id="bold-marker-and-body-heading",
        ),
        pytest.param(
            "Văn bản.\n\n* *\n\n*Nơi nhận:*", ["Văn bản.", "Nơi nhận:"], id="empty-emphasis"
        ),
    ],
)
def test_markdown_as_exported(text, expected):
    assert texts(read_text(text)) == expected


def test_markdown_bold_dash_keeps_its_bullet():
    assert read_text("**- **Nội dung.\n\n**+ Cơ quan chủ trì:** Sở Y tế.") == [
        Paragraph("Nội dung.", 1, "-"),
        Paragraph("Cơ quan chủ trì: Sở Y tế.", 3, "+"),
    ]


def test_markdown_table_cell_broken_over_lines():
    text = textwrap.dedent(
        """\
        | STT | Nhiệm vụ | Cơ quan chủ trì |
        |---|---|---|
        | 1 | Tổ chức thực hiện
        kế hoạch của tỉnh | Sở Y tế |
        | 2 | Xây dựng | Sở Nội vụ
        Sở Tài chính |
        | 3 | Sơ kết | Sở Tư pháp |

        Sau bảng.
        """
    )
    assert read_text(text) == [
        Table(
            rows=[
                ["STT", "Nhiệm vụ", "Cơ quan chủ trì"],
                ["1", "Tổ chức thực hiện kế hoạch của tỉnh", "Sở Y tế"],
                ["2", "Xây dựng", "Sở Nội vụ\nSở Tài chính"],  # two bodies stay two lines
                ["3", "Sơ kết", "Sở Tư pháp"],
            ],
            line=1,
        ),
        Paragraph("Sau bảng.", 9),
    ]


def test_docx_bold_numbered_heading_and_soft_line_breaks(tmp_path):
    """Word splits a bold heading into runs ("1", ".", " Sở Y tế") and a line break typed
    with Shift+Enter (w:br) inside a paragraph: one paragraph, one space."""
    import docx

    document = docx.Document()
    heading = document.add_paragraph()
    for part in ("1", ".", " Sở", " Y tế"):
        heading.add_run(part).bold = True
    body = document.add_paragraph()
    body.add_run("- Chủ trì, phối hợp với các sở, ngành tổ chức thực").add_break()
    body.add_run("hiện Kế hoạch;")
    body.add_run().add_break()
    body.add_run("báo cáo trước ngày 15/12/2025.")
    path = tmp_path / "so-y-te.docx"
    document.save(str(path))
    assert read_file(path) == [
        Paragraph("1. Sở Y tế", 1),
        Paragraph(
            "Chủ trì, phối hợp với các sở, ngành tổ chức thực hiện Kế hoạch; báo cáo trước "
            "ngày 15/12/2025.",
            2,
            "-",
        ),
    ]


def test_markdown_line_break_before_what_looks_like_a_marker():
    """An exporter's hard line break in mid-sentence, before a dash, a number or "Điều N": the
    paragraph goes on. After a short line, a colon or a full stop, a list starts as before."""
    text = (
        "Căn cứ Quyết định số 2232/QĐ-TTg của Thủ tướng Chính phủ về Chương trình giai đoạn 2021\n"
        "- 2025;\n"
        "\n"
        "Nội dung: quy định chi tiết các khoản của Luật Bảo vệ dữ liệu cá nhân: khoản 2, khoản 3\n"
        "Điều 6; khoản 5 Điều 9.\n"
        "\n"
        "b) Phát huy vai trò chủ động, tích cực của Công an thành phố, cơ quan thường trực của\n"
        "- Thường trực tham mưu thực hiện Chương trình, ưu tiên các địa bàn cấp độ\n"
        "1. Cấp ngay mì tôm, nước uống cho Nhân dân.\n"
        "\n"
        "Các nhiệm vụ\n"
        "- Một việc.\n"
        "\n"
        "Các nhiệm vụ trọng tâm của chương trình hành động năm 2025 gồm:\n"
        "1. Hai việc.\n"
    )
    assert texts(read_text(text)) == [
        "Căn cứ Quyết định số 2232/QĐ-TTg của Thủ tướng Chính phủ về Chương trình giai đoạn "
        "2021 - 2025;",
        "Nội dung: quy định chi tiết các khoản của Luật Bảo vệ dữ liệu cá nhân: khoản 2, khoản 3 "
        "Điều 6; khoản 5 Điều 9.",
        "b) Phát huy vai trò chủ động, tích cực của Công an thành phố, cơ quan thường trực của "
        "- Thường trực tham mưu thực hiện Chương trình, ưu tiên các địa bàn cấp độ 1. Cấp ngay "
        "mì tôm, nước uống cho Nhân dân.",
        "Các nhiệm vụ",
        "Một việc.",
        "Các nhiệm vụ trọng tâm của chương trình hành động năm 2025 gồm:",
        "1. Hai việc.",
    ]


def test_markdown_bold_numbered_heading_right_after_a_list_item():
    """A bold lettered heading on the line after a bullet (no blank line between, as exported)
    starts its own paragraph: it is the next body's heading, not the bullet's last words."""
    text = (
        "**d) Tổ đảng ở Thường trực Ủy ban Tư pháp**\n"
        "\n"
        "*   Thực hiện một số nội dung khác theo sự phân công của Ủy ban Thường vụ Quốc hội (nếu có).\n"
        "**e) Tổ đảng ở Thường trực Ủy ban Kinh tế**\n"
        "\n"
        "*   Chủ trì thẩm tra các dự án luật về đầu tư.\n"
    )
    assert texts(read_text(text)) == [
        "d) Tổ đảng ở Thường trực Ủy ban Tư pháp",
        "Thực hiện một số nội dung khác theo sự phân công của Ủy ban Thường vụ Quốc hội (nếu có).",
        "e) Tổ đảng ở Thường trực Ủy ban Kinh tế",
        "Chủ trì thẩm tra các dự án luật về đầu tư.",
    ]


def pdf_mapping_to_nul(lines: list[str]) -> bytes:
    """A one-page PDF whose font's ToUnicode map turns "~" into U+0000, as a broken font map in
    a converter's output does (fpdf2 cannot write one: it drops what it has no glyph for)."""
    ranges = b"".join(
        b"<%02X> <%02X> <%04X>\n" % (c, c, 0 if c == 0x7E else c) for c in range(0x20, 0x7F)
    )
    cmap = (
        b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        b"/CMapName /T def /CMapType 2 def\n1 begincodespacerange <00> <FF> endcodespacerange\n"
        b"95 beginbfrange\n" + ranges + b"endbfrange\n"
        b"endcmap CMapName currentdict /CMap defineresource pop end end\n"
    )
    shown = b" ".join(b"(%s) '" % line.encode() for line in lines)
    text = b"BT /F1 11 Tf 50 780 Td 14 TL " + shown + b" ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 6 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(cmap), cmap),
    ]
    return pdf_file(objects)


def test_a_pdf_text_layer_with_nul_reads_without_it(tmp_path):
    """PostgreSQL refuses text holding NUL: a draft read from such a PDF would fail to store
    (or store on SQLite and then fail to restore into PostgreSQL)."""
    lines = ["I. NHIEM VU", "1. So Tai chinh~ chu tri xay dung de an~, hoan thanh nam 2026."]
    data = pdf_mapping_to_nul(lines)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        assert "\x00" in pdf.pages[0].extract_text()  # the text layer does carry it
    path = tmp_path / "nul.pdf"
    path.write_bytes(data)
    assert texts(read_file(path)) == [
        "I. NHIEM VU",
        "1. So Tai chinh chu tri xay dung de an, hoan thanh nam 2026.",
    ]
