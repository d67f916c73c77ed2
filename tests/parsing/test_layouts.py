"""The three layouts real programs use (bullet tasks with role lines, numbered prose, task
tables), in Markdown, .docx and .pdf: each format gives the same structure."""

from __future__ import annotations

import datetime as dt

import docx
import pytest

from theodoi.parsing import parse_file, parse_text

from .builders import build_docx, build_pdf

D = dt.date

# A People's Committee plan: header, purpose, prose tasks, provisions, and a task table.
PLAN = [
    "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI",
    "Số: 125/KH-UBND",
    "Quảng Ngãi, ngày 15 tháng 3 năm 2021",
    "KẾ HOẠCH",
    "Triển khai thực hiện Chương trình hành động của Tỉnh ủy giai đoạn 2021 - 2025",
    "Thực hiện Chương trình hành động số 01-CTr/TU ngày 10/12/2020 của Tỉnh ủy, "
    "Ủy ban nhân dân tỉnh ban hành Kế hoạch như sau:",
    "I. MỤC ĐÍCH, YÊU CẦU",
    "1. Cụ thể hóa các nhiệm vụ của Chương trình hành động.",
    "II. NHIỆM VỤ, GIẢI PHÁP",
    "1. Về cải cách hành chính",
    "Giao Sở Nội vụ chủ trì, phối hợp với Sở Tư pháp, Văn phòng Ủy ban nhân dân tỉnh xây dựng "
    "Kế hoạch cải cách hành chính, hoàn thành trong quý II/2022.",
    "2. Sở Kế hoạch và Đầu tư chủ trì, phối hợp với Sở Tài chính tham mưu danh mục dự án "
    "ưu tiên. Hoàn thành trước ngày 30/6/2021. Hằng năm rà soát, bổ sung.",
    "3. Về phát triển du lịch",
    "- Xây dựng Chương trình phát triển thương hiệu du lịch.",
    "+ Cơ quan chủ trì: Sở Văn hóa, Thể thao và Du lịch.",
    "+ Cơ quan phối hợp: Sở Công Thương, các địa phương liên quan.",
    "+ Thời gian hoàn thành: Tháng 9/2021.",
    "III. TỔ CHỨC THỰC HIỆN",
    "1. Các sở, ban, ngành căn cứ nhiệm vụ được giao, tổ chức triển khai thực hiện.",
    "2. Giao Sở Kế hoạch và Đầu tư theo dõi, đôn đốc, định kỳ 6 tháng báo cáo "
    "Ủy ban nhân dân tỉnh.",
    "Nơi nhận:",
    "- Thường trực Tỉnh ủy;",
    "- Các sở, ban, ngành;",
    "- Lưu: VT.",
    "TM. ỦY BAN NHÂN DÂN KT. CHỦ TỊCH PHÓ CHỦ TỊCH",
    "Trần Phước Hiền",
    "Phụ lục: Danh mục nhiệm vụ",
    [
        ["STT", "Nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian hoàn thành", "Sản phẩm"],
        ["I", "Xây dựng thể chế", "", "", "", ""],
        ["1", "Ban hành quy chế phối hợp", "Sở Tư pháp", "Sở Nội vụ", "Quý III/2021", "Quyết định của UBND tỉnh"],
        ["2", "Đề án chính quyền số", "Sở Thông tin và Truyền thông", "Các sở, ban, ngành", "Năm 2022", "Đề án"],
        ["II", "Phát triển nguồn nhân lực", "", "", "", ""],
        ["1", "Kế hoạch đào tạo cán bộ", "Sở Nội vụ", "", "Hằng năm", "Kế hoạch"],
    ],
]  # fmt: skip


def as_markdown(items) -> str:
    out = []
    for item in items:
        if isinstance(item, list):
            out.append("| " + " | ".join(item[0]) + " |")
            out.append("|" + "---|" * len(item[0]))
            out.extend("| " + " | ".join(row) + " |" for row in item[1:])
        else:
            out.append(item)
        out.append("")
    return "\n".join(out)


def summary(draft) -> dict:
    """What must be the same whatever the format: sections, tasks, header, closing."""
    return {
        "header": (draft.kind, draft.number, draft.date, draft.issuer, draft.term),
        "signer": (draft.signer.on_behalf, draft.signer.title, draft.signer.name),
        "recipients": draft.recipients,
        "sections": [(s.number, s.title, s.parent) for s in draft.sections],
        "tasks": [
            (
                t.id,
                t.section,
                t.text,
                [(a.org, tuple(a.roles), a.group) for a in t.assignments],
                (t.time.kind, t.time.due, t.time.start, t.time.every),
                t.product,
            )
            for t in draft.tasks
        ],
        "references": [(r.type, r.number, r.date) for r in draft.references],
    }


@pytest.fixture(scope="module")
def markdown_draft():
    return parse_text(as_markdown(PLAN))


def tasks_by_id(draft):
    return {t.id: t for t in draft.tasks}


def test_header_of_a_peoples_committee_plan(markdown_draft):
    draft = markdown_draft
    assert draft.kind == "Kế hoạch"
    assert draft.number == "125/KH-UBND"
    assert draft.date == D(2021, 3, 15)
    assert draft.issuer == "Ủy ban nhân dân tỉnh"
    assert draft.term == (2021, 2025)
    assert draft.title.startswith("Triển khai thực hiện Chương trình hành động")
    assert (draft.signer.on_behalf, draft.signer.title, draft.signer.name) == (
        "TM. ỦY BAN NHÂN DÂN KT. CHỦ TỊCH",
        "PHÓ CHỦ TỊCH",
        "Trần Phước Hiền",
    )
    assert draft.recipients == ["Thường trực Tỉnh ủy", "Các sở, ban, ngành", "Lưu: VT"]


def test_running_prose_giao_clause(markdown_draft):
    task = tasks_by_id(markdown_draft)["II.1/1"]
    assert task.section == "II.1"
    assert [(a.org, a.roles) for a in task.assignments] == [
        ("Sở Nội vụ", ["implements", "leads"]),
        ("Sở Tư pháp", ["implements", "coordinates"]),
        ("Văn phòng Ủy ban nhân dân tỉnh", ["implements", "coordinates"]),
    ]
    assert (task.time.kind, task.time.due) == ("deadline", D(2022, 6, 30))


def test_numbered_prose_task_with_deadline_and_recurrence(markdown_draft):
    task = tasks_by_id(markdown_draft)["II.2"]
    assert [(a.org, a.roles) for a in task.assignments] == [
        ("Sở Kế hoạch và Đầu tư", ["advises", "leads"]),
        ("Sở Tài chính", ["advises", "coordinates"]),
    ]
    assert task.time.kind == "compound"
    assert [(p.kind, p.due, p.every) for p in task.time.parts] == [
        ("deadline", D(2021, 6, 30), None),
        ("recurring", None, "year"),
    ]
    assert [m.due for m in task.milestones] == [D(2021, 6, 30)]


def test_bullet_task_with_lead_and_coordinating_lines(markdown_draft):
    task = tasks_by_id(markdown_draft)["II.3/1"]
    assert [(a.org, a.roles, a.group) for a in task.assignments] == [
        ("Sở Văn hóa, Thể thao và Du lịch", ["leads"], False),
        ("Sở Công Thương", ["coordinates"], False),
        ("Các cơ quan liên quan", ["coordinates"], True),
    ]
    assert task.time.due == D(2021, 9, 30)


def test_provisions_are_text_when_the_plan_assigns_its_work_elsewhere(markdown_draft):
    """Rule: where the task parts assign the work (prose naming bodies, field blocks, a task
    table), the "Tổ chức thực hiện" part holds general duties (follow-up, reports), kept as
    the section's text, not tasks."""
    sections = {s.number: s for s in markdown_draft.sections}
    assert sections["I"].text == ["1. Cụ thể hóa các nhiệm vụ của Chương trình hành động."]
    assert sections["III"].text == [
        "1. Các sở, ban, ngành căn cứ nhiệm vụ được giao, tổ chức triển khai thực hiện.",
        "2. Giao Sở Kế hoạch và Đầu tư theo dõi, đôn đốc, định kỳ 6 tháng báo cáo "
        "Ủy ban nhân dân tỉnh.",
    ]
    assert not any(t.section in ("I", "III") for t in markdown_draft.tasks)


def test_provisions_hold_the_tasks_when_nothing_else_assigns_them():
    """Rule: a plan whose only assignments are the provisions' dated duties tracks those."""
    draft = parse_text(
        "\n\n".join(
            [
                "KẾ HOẠCH",
                "I. NỘI DUNG",
                "1. Rà soát các thủ tục hành chính.",
                "II. TỔ CHỨC THỰC HIỆN",
                "1. Các sở, ban, ngành căn cứ nhiệm vụ được giao, tổ chức triển khai thực hiện.",
                "2. Giao Sở Kế hoạch và Đầu tư theo dõi, đôn đốc, định kỳ 6 tháng báo cáo "
                "Ủy ban nhân dân tỉnh.",
            ]
        )
    )
    (duty,) = [t for t in draft.tasks if t.section == "II"]
    assert duty.id == "II.2"
    assert [(a.org, a.roles) for a in duty.assignments] == [
        ("Sở Kế hoạch và Đầu tư", ["implements"])
    ]
    assert (duty.time.kind, duty.time.every) == ("recurring", "half-year")
    # The content item names no body and no time, and the plan assigns its work in II.
    assert not any(t.section == "I" for t in draft.tasks)


def test_task_table_in_an_appendix(markdown_draft):
    tasks = tasks_by_id(markdown_draft)
    sections = {s.number: s for s in markdown_draft.sections}
    assert sections["PL"].title == "Danh mục nhiệm vụ"
    assert (sections["PL.I"].title, sections["PL.I"].parent) == ("Xây dựng thể chế", "PL")
    assert sections["PL.II"].title == "Phát triển nguồn nhân lực"
    first = tasks["PL.I.1"]
    assert first.text == "Ban hành quy chế phối hợp"
    assert [(a.org, a.roles) for a in first.assignments] == [
        ("Sở Tư pháp", ["leads"]),
        ("Sở Nội vụ", ["coordinates"]),
    ]
    assert (first.time.kind, first.time.due) == ("deadline", D(2021, 9, 30))
    assert first.product == "Quyết định của UBND tỉnh"
    assert tasks["PL.I.2"].assignments[1].group
    assert tasks["PL.II.1"].time.every == "year"


def test_varied_table_headers():
    text = as_markdown(
        [
            "II. NHIỆM VỤ CỤ THỂ",
            [
                ["TT", "Nội dung công việc", "Đơn vị chủ trì", "Đơn vị phối hợp", "Thời hạn", "Hình thức văn bản"],
                ["1", "Kế hoạch tuyên truyền", "Sở Thông tin và Truyền thông", "Tỉnh đoàn", "Tháng 6/2021", "Kế hoạch"],
            ],
        ]
    )  # fmt: skip
    (task,) = parse_text(text).tasks
    assert (task.id, task.section, task.text) == ("II.1", "II", "Kế hoạch tuyên truyền")
    assert [a.org for a in task.assignments] == ["Sở Thông tin và Truyền thông", "Tỉnh đoàn"]
    assert (task.time.due, task.product) == (D(2021, 6, 30), "Kế hoạch")


def test_docx_gives_the_same_structure_as_markdown(tmp_path, markdown_draft):
    path = tmp_path / "ke-hoach.docx"
    build_docx(path, PLAN)
    assert summary(parse_file(path)) == summary(markdown_draft)


def test_docx_with_automatic_numbering(tmp_path):
    """Word numbering (numPr) rendered as the document shows it: "I.", "1.", "1.1."."""
    path = tmp_path / "numbered.docx"
    build_docx(
        path,
        [
            "CHƯƠNG TRÌNH HÀNH ĐỘNG",
            ("numbered", 0, "NHIỆM VỤ VÀ GIẢI PHÁP"),
            ("numbered", 1, "Công tác tuyên truyền"),
            ("numbered", 2, "Ban Tuyên giáo Tỉnh ủy tham mưu kế hoạch tuyên truyền. Hoàn thành trong quý I/2021."),
            ("numbered", 2, "Ban Dân vận Tỉnh ủy tham mưu kế hoạch dân vận. Hoàn thành trong quý II/2021."),
        ],
    )  # fmt: skip
    draft = parse_file(path)
    assert [s.number for s in draft.sections] == ["I", "I.1"]
    assert [(t.id, t.assignments[0].org, t.time.due) for t in draft.tasks] == [
        ("I.1.1", "Ban Tuyên giáo Tỉnh ủy", D(2021, 3, 31)),
        ("I.1.2", "Ban Dân vận Tỉnh ủy", D(2021, 6, 30)),
    ]


def test_pdf_gives_the_same_structure_as_markdown(tmp_path, markdown_draft):
    path = tmp_path / "ke-hoach.pdf"
    build_pdf(path, PLAN)
    assert summary(parse_file(path)) == summary(markdown_draft)


def test_table_with_a_two_row_header_title_rows_notes_and_a_merged_task_cell(tmp_path):
    """A Word table as offices make them: a title row, "Cơ quan thực hiện" spanning "Chủ trì"
    and "Phối hợp", a notes column, and a task whose cell runs down over a second row."""
    document = docx.Document()
    document.add_paragraph("PHỤ LỤC")
    table = document.add_table(rows=6, cols=6)
    cells = [
        ["DANH MỤC NHIỆM VỤ", "", "", "", "", ""],
        ["TT", "Nội dung nhiệm vụ", "Cơ quan thực hiện", "", "Thời gian hoàn thành", "Ghi chú"],
        ["", "", "Chủ trì", "Phối hợp", "", ""],
        ["1", "Xây dựng Đề án chuyển đổi số", "Sở Thông tin và Truyền thông", "Sở Nội vụ", "Năm 2022", "Trình Tỉnh ủy"],
        ["", "", "Sở Khoa học và Công nghệ", "", "", ""],
        ["2", "Kế hoạch tuyên truyền", "Ban Tuyên giáo Tỉnh ủy", "", "Quý II/2021", ""],
    ]  # fmt: skip
    for r, row in enumerate(cells):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    table.cell(0, 0).merge(table.cell(0, 5))
    table.cell(1, 2).merge(table.cell(1, 3))
    table.cell(3, 1).merge(table.cell(4, 1))
    table.cell(3, 0).merge(table.cell(4, 0))
    path = tmp_path / "phu-luc.docx"
    document.save(str(path))

    draft = parse_file(path)
    first, second = draft.tasks
    assert (first.id, first.text) == (
        "PL.1",
        "Xây dựng Đề án chuyển đổi số\nGhi chú: Trình Tỉnh ủy",
    )
    assert [(a.org, a.roles) for a in first.assignments] == [
        ("Sở Thông tin và Truyền thông", ["implements", "leads"]),
        ("Sở Nội vụ", ["implements", "coordinates"]),
        ("Sở Khoa học và Công nghệ", ["implements", "leads"]),
    ]
    assert first.time.due == D(2022, 12, 31)
    assert (second.id, second.time.due) == ("PL.2", D(2021, 6, 30))
    appendix = next(s for s in draft.sections if s.number == "PL")
    assert appendix.title == "DANH MỤC NHIỆM VỤ"
