"""Programs laid out the ways offices lay them out, beyond the example: a district committee's
program in Word with its header and closing in two-column tables, numbered items that carry
their own role lines, and role lines written with the same dash as the tasks."""

from __future__ import annotations

import datetime as dt

import docx

from theodoi.parsing import parse_file, parse_text

D = dt.date


def _two_columns(document, left: list[str], right: list[str]) -> None:
    table = document.add_table(rows=1, cols=2)
    for cell, lines in zip(table.rows[0].cells, (left, right), strict=True):
        cell.text = lines[0]
        for line in lines[1:]:
            cell.add_paragraph(line)


def test_district_program_in_word_with_header_and_closing_tables(tmp_path):
    document = docx.Document()
    _two_columns(
        document,
        ["HUYỆN ỦY BÌNH SƠN", "*", "Số 05-CTr/HU"],
        ["ĐẢNG CỘNG SẢN VIỆT NAM", "Bình Sơn, ngày 25 tháng 12 năm 2020"],
    )
    for text in [
        "CHƯƠNG TRÌNH HÀNH ĐỘNG",
        "thực hiện Nghị quyết Đại hội đại biểu Đảng bộ huyện lần thứ XXIV, nhiệm kỳ 2020 - 2025",
        "I. MỤC ĐÍCH, YÊU CẦU",
        "Quán triệt sâu sắc Nghị quyết trong toàn Đảng bộ.",
        "II. NHIỆM VỤ, GIẢI PHÁP",
        "1. Ban Tuyên giáo Tỉnh ủy phối hợp tổ chức học tập Nghị quyết. "
        "Hoàn thành trong tháng 01/2021.",
        "2. Xây dựng Đề án phát triển du lịch cộng đồng.",
        "- Cơ quan chủ trì: Ủy ban nhân dân huyện Bình Sơn.",
        "- Cơ quan phối hợp: Phòng Văn hóa và Thông tin huyện.",
        "- Thời gian hoàn thành: 6 tháng đầu năm 2022.",
        "III. TỔ CHỨC THỰC HIỆN",
        "Giao Văn phòng Huyện ủy theo dõi, đôn đốc việc thực hiện Chương trình.",
    ]:
        document.add_paragraph(text)
    _two_columns(
        document,
        ["Nơi nhận:", "- Ban Thường vụ Tỉnh ủy,", "- Các đồng chí Huyện ủy viên,", "- Lưu VP."],
        ["T/M HUYỆN ỦY", "BÍ THƯ", "", "Nguyễn Văn An"],
    )
    path = tmp_path / "huyen-uy.docx"
    document.save(str(path))

    draft = parse_file(path)
    assert draft.issuer == "Huyện ủy Bình Sơn"
    assert (draft.number, draft.date, draft.term) == ("05-CTr/HU", D(2020, 12, 25), (2020, 2025))
    assert draft.title.startswith("thực hiện Nghị quyết Đại hội")
    assert draft.recipients == ["Ban Thường vụ Tỉnh ủy", "Các đồng chí Huyện ủy viên", "Lưu VP"]
    assert (draft.signer.on_behalf, draft.signer.title, draft.signer.name) == (
        "T/M HUYỆN ỦY",
        "BÍ THƯ",
        "Nguyễn Văn An",
    )
    tasks = {t.id: t for t in draft.tasks}
    assert sorted(tasks) == ["II.1", "II.2"]
    assert tasks["II.1"].time.due == D(2021, 1, 31)
    assert tasks["II.1"].assignments[0].org == "Ban Tuyên giáo Tỉnh ủy"
    design = tasks["II.2"]
    assert design.text == "Xây dựng Đề án phát triển du lịch cộng đồng."
    # Names a province's registry does not know are kept as written, and warned about.
    assert [(a.org, a.roles, a.id) for a in design.assignments] == [
        ("Ủy ban nhân dân huyện Bình Sơn", ["leads"], None),
        ("Phòng Văn hóa và Thông tin huyện", ["coordinates"], None),
    ]
    assert (design.time.start, design.time.due) == (D(2022, 1, 1), D(2022, 6, 30))
    unknown = [w.message for w in draft.warnings if "không có trong danh mục" in w.message]
    assert len(unknown) == 2
    sections = {s.number: s for s in draft.sections}
    assert sections["I"].text == ["Quán triệt sâu sắc Nghị quyết trong toàn Đảng bộ."]
    assert sections["III"].text == [
        "Giao Văn phòng Huyện ủy theo dõi, đôn đốc việc thực hiện Chương trình."
    ]


def test_role_lines_with_the_same_dash_as_the_tasks():
    draft = parse_text(
        "\n\n".join(
            [
                "II. NHIỆM VỤ",
                "1. Công tác cán bộ",
                "- Ban hành Quy định về đánh giá cán bộ.",
                "- Cơ quan chỉ đạo: Ban Thường vụ Tỉnh ủy.",
                "- Cơ quan tham mưu: Ban Tổ chức Tỉnh ủy.",
                "- Thời gian hoàn thành: Quý II/2021.",
                "- Tổ chức các lớp bồi dưỡng cán bộ.",
                "- Cơ quan thực hiện: Ban Tổ chức Tỉnh ủy, Trường Chính trị tỉnh.",
                "- Thời gian thực hiện: Hằng năm.",
            ]
        )
    )
    assert [(t.id, t.text, [a.org for a in t.assignments]) for t in draft.tasks] == [
        ("II.1/1", "Ban hành Quy định về đánh giá cán bộ.", ["Ban Thường vụ Tỉnh ủy", "Ban Tổ chức Tỉnh ủy"]),
        ("II.1/2", "Tổ chức các lớp bồi dưỡng cán bộ.", ["Ban Tổ chức Tỉnh ủy", "Trường Chính trị tỉnh"]),
    ]  # fmt: skip
    assert [t.time.kind for t in draft.tasks] == ["deadline", "recurring"]


def test_lettered_fields_under_a_numbered_task():
    draft = parse_text(
        "\n".join(
            [
                "II. NHIỆM VỤ CỤ THỂ",
                "1. Xây dựng Đề án chuyển đổi số.",
                "a) Cơ quan chủ trì: Sở Thông tin và Truyền thông.",
                "b) Cơ quan phối hợp: Các sở, ban, ngành.",
                "c) Thời gian hoàn thành: Trước ngày 30/9/2021.",
                "d) Sản phẩm: Quyết định phê duyệt Đề án.",
            ]
        )
    )
    (task,) = draft.tasks
    assert (task.id, task.section, task.text) == ("II.1", "II", "Xây dựng Đề án chuyển đổi số.")
    assert [(a.org, a.roles, a.group) for a in task.assignments] == [
        ("Sở Thông tin và Truyền thông", ["leads"], False),
        ("Các sở, ban, ngành tỉnh", ["coordinates"], True),
    ]
    assert (task.time.due, task.product) == (D(2021, 9, 30), "Quyết định phê duyệt Đề án")


def test_a_numbered_item_with_its_own_role_line_is_a_task():
    draft = parse_text("II. NHIỆM VỤ\n\n1. Công tác tuyên truyền\n\n- Cơ quan chủ trì: Sở Y tế.")
    (task,) = draft.tasks
    assert (task.id, task.text, task.assignments[0].org) == (
        "II.1",
        "Công tác tuyên truyền",
        "Sở Y tế",
    )
    assert task.time.kind == "unknown"
    assert any("Không hiểu thời gian của nhiệm vụ II.1" in w.message for w in draft.warnings)


def test_a_role_line_that_belongs_to_no_task_is_a_warning_not_lost():
    draft = parse_text(
        "II. NHIỆM VỤ\n\n- Cơ quan chủ trì: Sở Y tế.\n\n1. Công tác tuyên truyền\n\n"
        "- Tổ chức tuyên truyền.\n\n+ Cơ quan thực hiện: Sở Y tế.\n\n+ Thời gian: Năm 2021."
    )
    assert [t.id for t in draft.tasks] == ["II.1/1"]
    assert any("Cơ quan chủ trì: Sở Y tế." in w.message for w in draft.warnings)


def test_a_document_with_no_task_says_so():
    draft = parse_text("Thông báo\n\nCuộc họp được dời sang tuần sau.")
    assert not draft.tasks
    assert any("Không tìm thấy nhiệm vụ" in w.message for w in draft.warnings)


def test_header_columns_run_together_as_a_pdf_gives_them():
    draft = parse_text(
        "\n\n".join(
            [
                "ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                "TỈNH QUẢNG NGÃI Độc lập - Tự do - Hạnh phúc",
                "Số: 88/KH-UBND Quảng Ngãi, ngày 05 tháng 4 năm 2021",
                "KẾ HOẠCH",
                "Thực hiện Nghị quyết số 02-NQ/TU ngày 01/3/2021 của Tỉnh ủy:",
                "I. NHIỆM VỤ",
                "1. Sở Y tế tham mưu Kế hoạch phòng, chống dịch. Hoàn thành trong quý II/2021.",
            ]
        )
    )
    assert draft.issuer == "Ủy ban nhân dân tỉnh"
    assert (draft.number, draft.date, draft.kind) == ("88/KH-UBND", D(2021, 4, 5), "Kế hoạch")
    assert draft.title == ""  # the type name alone: no title is written
    assert draft.preamble == ["Thực hiện Nghị quyết số 02-NQ/TU ngày 01/3/2021 của Tỉnh ủy:"]
    assert draft.references[0].number == "02-NQ/TU"
    (task,) = draft.tasks
    assert (task.id, task.assignments[0].org, task.time.due) == ("I.1", "Sở Y tế", D(2021, 6, 30))


def test_an_impossible_issue_date_is_a_warning():
    draft = parse_text("TỈNH ỦY QUẢNG NGÃI\n\nQuảng Ngãi, ngày 31 tháng 2 năm 2021\n\nKẾ HOẠCH")
    assert draft.date is None
    assert draft.issuer == "Tỉnh ủy"
    assert any("Ngày ban hành không hợp lệ" in w.message for w in draft.warnings)


def test_bullets_of_the_provisions_are_tasks_only_when_they_set_dated_work():
    draft = parse_text(
        "\n\n".join(
            [
                "III. TỔ CHỨC THỰC HIỆN",
                "1. Trách nhiệm các cơ quan",
                "- Các sở, ban, ngành căn cứ chức năng, nhiệm vụ tổ chức thực hiện.",
                "- Sở Nội vụ tổng hợp kết quả, báo cáo Ủy ban nhân dân tỉnh trước ngày 15/12/2021.",
            ]
        )
    )
    (task,) = draft.tasks
    assert (task.section, task.assignments[0].org, task.time.due) == (
        "III.1",
        "Sở Nội vụ",
        D(2021, 12, 15),
    )
    sections = {s.number: s for s in draft.sections}
    assert sections["III.1"].text == [
        "Các sở, ban, ngành căn cứ chức năng, nhiệm vụ tổ chức thực hiện."
    ]
