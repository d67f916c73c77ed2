"""The layouts of plans, programmes, conclusions and directives other issuers send (issue 16),
each tested on a small document written for the rule, not copied from a real one.

Names are compared as written (``written``), so the tests do not depend on which registry
knows which body.
"""

from __future__ import annotations

import datetime as dt

from theodoi.parsing import parse_text

D = dt.date


def parse(*lines: str):
    return parse_text("\n\n".join(lines))


def leads(task) -> list[str]:
    return [a.written or a.org for a in task.assignments if "leads" in a.roles]


def others(task) -> list[str]:
    return [a.written or a.org for a in task.assignments if "coordinates" in a.roles]


def doers(task) -> list[str]:
    """Lead, or where none is named, the bodies that implement (the scorer's convention)."""
    named = leads(task)
    if named:
        return named
    return [a.written or a.org for a in task.assignments if "implements" in a.roles]


def texts(draft) -> list[str]:
    return [t.text.split("\n")[0] for t in draft.tasks]


PURPOSE = ["I. MỤC ĐÍCH, YÊU CẦU", "1. Mục đích", "- Nâng cao nhận thức của cán bộ, công chức."]


# ---- tasks assigned by body ----


def test_each_duty_under_a_body_heading_is_a_task_led_by_that_body():
    draft = parse(
        "KẾ HOẠCH",
        *PURPOSE,
        "II. NHIỆM VỤ CỤ THỂ",
        "1. Sở Y tế",
        "- Hướng dẫn các cơ sở khám bệnh thực hiện quy trình mới.",
        "- Phối hợp với Sở Tài chính bố trí kinh phí mua sắm trang thiết bị.",
        "2. Công an tỉnh",
        "- Bảo đảm an ninh trật tự tại các điểm tiếp nhận.",
    )
    assert texts(draft) == [
        "Hướng dẫn các cơ sở khám bệnh thực hiện quy trình mới.",
        "Phối hợp với Sở Tài chính bố trí kinh phí mua sắm trang thiết bị.",
        "Bảo đảm an ninh trật tự tại các điểm tiếp nhận.",
    ]
    first, second, third = draft.tasks
    assert leads(first) == ["Sở Y tế"]
    # "Phối hợp với X ...": the heading's body still leads; X coordinates.
    assert leads(second) == ["Sở Y tế"]
    assert others(second) == ["Sở Tài chính"]
    # A heading's body never carries over to the next heading.
    assert leads(third) == ["Công an tỉnh"]
    # The purpose part holds no task.
    assert not any(t.section.startswith("I.") or t.section == "I" for t in draft.tasks)


def test_a_single_paragraph_under_a_body_heading_is_its_one_duty():
    draft = parse(
        "II. PHÂN CÔNG NHIỆM VỤ",
        "1. Sở Nội vụ",
        "Chủ trì, phối hợp với các sở, ngành liên quan rà soát biên chế công chức.",
        "2. Sở Tư pháp",
        "Thẩm định các văn bản quy phạm pháp luật liên quan.",
    )
    assert [leads(t) for t in draft.tasks] == [["Sở Nội vụ"], ["Sở Tư pháp"]]
    assert others(draft.tasks[0]) == ["các sở, ngành liên quan"]


def test_plain_numbered_bodies_with_lettered_duties():
    draft = parse(
        "III. TỔ CHỨC THỰC HIỆN",
        "1. Sở Giáo dục và Đào tạo",
        "a) Xây dựng kế hoạch phát triển mạng lưới trường lớp.",
        "b) Tổ chức tập huấn cho giáo viên.",
        "2. Sở Xây dựng",
        "a) Hướng dẫn thiết kế mẫu nhà lớp học.",
    )
    assert [(t.id, leads(t)) for t in draft.tasks] == [
        ("III.1.a", ["Sở Giáo dục và Đào tạo"]),
        ("III.1.b", ["Sở Giáo dục và Đào tạo"]),
        ("III.2.a", ["Sở Xây dựng"]),
    ]


def test_lettered_body_headings_of_a_party_plan():
    draft = parse(
        "II. PHÂN CÔNG NHIỆM VỤ",
        "2. Các tổ đảng",
        "a) Tổ đảng ở Thường trực Ủy ban Kinh tế",
        "- Chủ trì thẩm tra các dự án luật về đầu tư.",
        "- Giám sát việc thực hiện chính sách thuế.",
        "b) Lãnh đạo Ban Dân nguyện",
        "- Chủ trì giúp Ủy ban Thường vụ Quốc hội tổng hợp kiến nghị cử tri.",
    )
    assert [leads(t) for t in draft.tasks] == [
        ["Tổ đảng ở Thường trực Ủy ban Kinh tế"],
        ["Tổ đảng ở Thường trực Ủy ban Kinh tế"],
        ["Lãnh đạo Ban Dân nguyện"],
    ]


def test_parenthesised_body_lines_of_a_directive_and_a_directing_lead_in():
    draft = parse(
        "(1) Bộ Công an:",
        "- Chủ trì xây dựng cơ sở dữ liệu dân cư, hoàn thành trong tháng 10 năm 2025.",
        "(2) Bộ Tài chính:",
        "- Chỉ đạo Tổng công ty Bảo hiểm Nhà nước:",
        "+ Kết nối hệ thống thanh toán trước ngày 30 tháng 11 năm 2025.",
        "+ Hướng dẫn khách hàng sử dụng tài khoản định danh, thực hiện thường xuyên.",
    )
    assert texts(draft) == [
        "Chủ trì xây dựng cơ sở dữ liệu dân cư, hoàn thành trong tháng 10 năm 2025.",
        "Kết nối hệ thống thanh toán trước ngày 30 tháng 11 năm 2025.",
        "Hướng dẫn khách hàng sử dụng tài khoản định danh, thực hiện thường xuyên.",
    ]
    first, second, third = draft.tasks
    assert leads(first) == ["Bộ Công an"]
    assert (first.time.kind, first.time.due) == ("deadline", D(2025, 10, 31))
    # The "Chỉ đạo X:" line is no task; its items are, led by the heading's ministry.
    assert leads(second) == leads(third) == ["Bộ Tài chính"]
    assert second.time.due == D(2025, 11, 30)
    assert third.time.kind == "continuous"


def test_a_requested_body_and_a_duty_written_after_the_heading_colon():
    draft = parse(
        "IV. PHÂN CÔNG NHIỆM VỤ",
        "1. Sở Công Thương:",
        "- Điều phối nguồn hàng hỗ trợ.",
        "2. Đề nghị Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh",
        "- Vận động các tổ chức, cá nhân ủng hộ.",
        "3. Đề nghị Công ty Điện lực tỉnh: Khẩn trương khắc phục sự cố lưới điện.",
        "4. Đề nghị các doanh nghiệp viễn thông (VNPT, Viettel): Bảo đảm liên lạc thông suốt "
        "(ưu tiên các xã bị chia cắt).",
    )
    assert texts(draft)[1:] == [
        "Vận động các tổ chức, cá nhân ủng hộ.",
        "Khẩn trương khắc phục sự cố lưới điện.",
        "Bảo đảm liên lạc thông suốt (ưu tiên các xã bị chia cắt).",
    ]
    assert leads(draft.tasks[1]) == ["Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh"]
    assert leads(draft.tasks[2]) == ["Công ty Điện lực tỉnh"]
    assert leads(draft.tasks[3]) == ["các doanh nghiệp viễn thông"]


def test_responsibility_of_headings_and_time_lines_after_each_duty():
    draft = parse(
        "IV. NHIỆM VỤ CỤ THỂ",
        "1.1. Trách nhiệm của đối tượng thực hiện kiểm kê:",
        "- Thành lập Tổ kiểm kê tại đơn vị.",
        "Thời hạn hoàn thành: Trước ngày 30/11/2025.",
        "- Báo cáo kết quả kiểm kê cho cơ quan cấp trên.",
        "Thời gian thực hiện: Tháng 12/2025.",
    )
    first, second = draft.tasks
    assert leads(first) == leads(second) == ["đối tượng thực hiện kiểm kê"]
    assert first.text == "Thành lập Tổ kiểm kê tại đơn vị."
    assert (first.time.kind, first.time.due) == ("deadline", D(2025, 11, 30))
    assert (second.time.kind, second.time.due) == ("deadline", D(2025, 12, 31))


def test_a_lead_in_paragraph_gives_its_coordinators_to_every_lettered_item():
    draft = parse(
        "IV. TỔ CHỨC THỰC HIỆN",
        "3. Sở Văn hóa, Thể thao và Du lịch",
        "Chủ trì, phối hợp với các cơ quan có liên quan tham mưu Ủy ban nhân dân tỉnh:",
        "a) Rà soát quy hoạch các thiết chế văn hóa.",
        "b) Bố trí quỹ đất cho công trình thể thao.",
    )
    assert texts(draft) == [
        "Rà soát quy hoạch các thiết chế văn hóa.",
        "Bố trí quỹ đất cho công trình thể thao.",
    ]
    for task in draft.tasks:
        assert leads(task) == ["Sở Văn hóa, Thể thao và Du lịch"]
        assert "các cơ quan có liên quan" in others(task)


def test_a_heading_sentence_assigning_a_lead_gives_it_the_bullets_below():
    draft = parse(
        "V. TỔ CHỨC THỰC HIỆN",
        "2. Sở Giáo dục và Đào tạo chủ trì, phối hợp với Sở Y tế:",
        "- Xây dựng tài liệu giáo dục kỹ năng phòng tránh thiên tai.",
        "- Tổ chức diễn tập tại các trường học.",
    )
    assert len(draft.tasks) == 2
    for task in draft.tasks:
        assert leads(task) == ["Sở Giáo dục và Đào tạo"]
        assert others(task) == ["Sở Y tế"]


def test_a_lead_in_whose_last_clause_names_the_body():
    draft = parse(
        "II. NHIỆM VỤ",
        "2.1. Để thể chế hóa kịp thời Nghị quyết, Đảng đoàn Hội đồng nhân dân tỉnh xác định "
        "các nhiệm vụ trọng tâm sau:",
        "- Rà soát các nghị quyết của Hội đồng nhân dân tỉnh.",
        "- Giám sát việc thực hiện chính sách hỗ trợ doanh nghiệp.",
    )
    assert [doers(t) for t in draft.tasks] == [
        ["Đảng đoàn Hội đồng nhân dân tỉnh"],
        ["Đảng đoàn Hội đồng nhân dân tỉnh"],
    ]


def test_a_heading_that_names_two_bodies_gives_both_the_lead_and_asks_to_check():
    draft = parse(
        "IV. PHÂN CÔNG NHIỆM VỤ",
        "14. Đề nghị Viện kiểm sát nhân dân tỉnh, Tòa án nhân dân tỉnh",
        "- Phối hợp với Công an tỉnh đẩy nhanh tiến độ điều tra, truy tố, xét xử.",
    )
    (task,) = draft.tasks
    assert leads(task) == ["Viện kiểm sát nhân dân tỉnh", "Tòa án nhân dân tỉnh"]
    assert others(task) == ["Công an tỉnh"]
    assert any(r.field == "lead" for r in task.review)


def test_solutions_with_no_body_are_text_when_the_plan_assigns_by_body():
    draft = parse(
        "III. NHIỆM VỤ VÀ GIẢI PHÁP CHỦ YẾU",
        "1. Hoàn thiện thể chế",
        "- Rà soát, sửa đổi các quy định về quản lý tài nguyên biển.",
        "2. Tăng cường tuyên truyền",
        "- Đa dạng hóa hình thức tuyên truyền đến người dân.",
        "IV. NHIỆM VỤ CỤ THỂ",
        "1. Sở Nông nghiệp và Môi trường",
        "- Chủ trì tham mưu kế hoạch quản lý tổng hợp vùng bờ.",
        "V. TỔ CHỨC THỰC HIỆN",
        "1. Giao Sở Nông nghiệp và Môi trường chủ trì theo dõi, tổng hợp, báo cáo kết quả "
        "trước ngày 15 tháng 12 hằng năm.",
    )
    # The solutions name no body; the provisions' reporting duty is general: the plan
    # assigns its work in IV.
    assert texts(draft) == ["Chủ trì tham mưu kế hoạch quản lý tổng hợp vùng bờ."]
    sections = {s.number: s for s in draft.sections}
    assert "Rà soát, sửa đổi các quy định về quản lý tài nguyên biển." in sections["III.1"].text
    assert any("Giao Sở Nông nghiệp" in text for text in sections["V"].text)


def test_provisions_duties_are_the_tasks_of_a_plan_that_assigns_only_there():
    draft = parse(
        "III. NỘI DUNG GIÁM SÁT",
        "- Việc ban hành văn bản hướng dẫn.",
        "- Tiến độ giải ngân vốn.",
        "IV. KINH PHÍ",
        "Kinh phí từ ngân sách nhà nước.",
        "V. TỔ CHỨC THỰC HIỆN",
        "1. Sở Nông nghiệp và Môi trường",
        "- Tổng hợp báo cáo kết quả giám sát.",
        "2. Ủy ban nhân dân cấp xã",
        "- Tổ chức giám sát tại địa phương.",
        "Trên đây là Kế hoạch giám sát năm 2025 của Ủy ban nhân dân tỉnh.",
    )
    assert [(t.text, leads(t)) for t in draft.tasks] == [
        ("Tổng hợp báo cáo kết quả giám sát.", ["Sở Nông nghiệp và Môi trường"]),
        ("Tổ chức giám sát tại địa phương.", ["Ủy ban nhân dân cấp xã"]),
    ]


def test_parts_that_are_never_tasks():
    for title in (
        "MỤC TIÊU",
        "ĐỐI TƯỢNG, PHẠM VI",
        "PHƯƠNG PHÁP, CÁC BƯỚC GIÁM SÁT",
        "KINH PHÍ THỰC HIỆN",
        "CHẾ ĐỘ BÁO CÁO",
        "LỘ TRÌNH THỰC HIỆN",
    ):
        draft = parse(
            f"I. {title}",
            "1. Giao Sở Tài chính chủ trì tổng hợp, hoàn thành trước ngày 31/12/2025.",
            "II. NHIỆM VỤ",
            "1. Sở Y tế",
            "- Tổ chức tiêm chủng mở rộng.",
        )
        assert texts(draft) == ["Tổ chức tiêm chủng mở rộng."], title


# ---- labelled fields ----


def test_field_blocks_nhiem_vu_co_quan_thuc_hien_thoi_gian():
    draft = parse(
        "II. NỘI DUNG KẾ HOẠCH",
        "1. Phổ biến Luật",
        "a) Nhiệm vụ:",
        "- Tổ chức hội nghị phổ biến Luật cho cán bộ chủ chốt.",
        "- Biên soạn tài liệu hỏi đáp về Luật.",
        "b) Cơ quan thực hiện:",
        "- Đơn vị chủ trì: Sở Tư pháp.",
        "- Đơn vị phối hợp: Sở Nội vụ.",
        "c) Thời gian thực hiện: Quý IV/2025.",
    )
    (task,) = draft.tasks  # several bullets under one "Nhiệm vụ:" are one task
    assert "Biên soạn tài liệu hỏi đáp về Luật." in task.text
    assert leads(task) == ["Sở Tư pháp"]
    assert others(task) == ["Sở Nội vụ"]
    assert (task.time.kind, task.time.due) == ("deadline", D(2025, 12, 31))


def test_activity_blocks_with_content_and_a_shared_body_field():
    draft = parse(
        "III. NỘI DUNG HOẠT ĐỘNG",
        "1. Nâng cao nhận thức",
        "a) Hoạt động 1",
        "- Nội dung: Tổ chức Lễ phát động Tháng hành động.",
        "- Cơ quan thực hiện: Sở Nội vụ chủ trì, phối hợp với Sở Y tế.",
        "b) Hoạt động 2",
        "- Nội dung:",
        "+ Tổng kết mô hình hỗ trợ phụ nữ.",
        "+ Tập huấn cho cán bộ cơ sở.",
        "- Cơ quan thực hiện: Sở Y tế chủ trì.",
    )
    first, second = draft.tasks
    # "Hoạt động 1" over its content: the task is the content.
    assert first.text == "Tổ chức Lễ phát động Tháng hành động."
    assert leads(first) == ["Sở Nội vụ"]
    assert others(first) == ["Sở Y tế"]
    assert "Tập huấn cho cán bộ cơ sở." in second.text
    assert leads(second) == ["Sở Y tế"]


def test_a_time_field_whose_lines_are_milestones():
    draft = parse(
        "II. NỘI DUNG",
        "4. Rà soát văn bản",
        "- Cơ quan thực hiện: Bộ Tư pháp.",
        "- Thời gian thực hiện:",
        "+ Các bộ gửi kết quả rà soát trước ngày 15 tháng 12 năm 2025.",
        "+ Bộ Tư pháp tổng hợp, báo cáo trước ngày 31 tháng 12 năm 2025.",
    )
    (task,) = draft.tasks
    assert task.time.kind == "compound"
    assert [m.due for m in task.milestones] == [D(2025, 12, 15), D(2025, 12, 31)]


def test_a_time_line_without_its_colon():
    draft = parse(
        "II. NỘI DUNG",
        "6. Triển khai Chiến lược quốc gia",
        "Thời gian thực hiện sau khi Chiến lược được ban hành.",
        "7. Tập huấn nghiệp vụ",
        "- Cơ quan thực hiện: Sở Khoa học và Công nghệ.",
        "- Thời gian thực hiện: Năm 2026.",
    )
    assert [t.text for t in draft.tasks] == [
        "Triển khai Chiến lược quốc gia",
        "Tập huấn nghiệp vụ",
    ]
    assert draft.tasks[0].time.text.startswith("sau khi")
    assert draft.tasks[0].time.kind == "unknown"


# ---- prose ----


def test_prose_assignments_of_a_conclusion():
    draft = parse(
        "THÔNG BÁO KẾT LUẬN",
        "1. Giao Ban cán sự đảng Ủy ban nhân dân tỉnh chủ trì, phối hợp với Ban Tổ chức "
        "Tỉnh ủy, Ủy ban Kiểm tra Tỉnh ủy xây dựng đề án sắp xếp bộ máy; chậm nhất ngày "
        "30/6/2025 báo cáo Ban Thường vụ Tỉnh ủy.",
        "2. Sở Tài chính chủ trì, phối hợp với Sở Nội vụ tham mưu phương án bố trí trụ sở, "
        "hoàn thành trước ngày 15/12/2025.",
    )
    first, second = draft.tasks
    assert leads(first) == ["Ban cán sự đảng Ủy ban nhân dân tỉnh"]
    assert others(first)[:2] == ["Ban Tổ chức Tỉnh ủy", "Ủy ban Kiểm tra Tỉnh ủy"]
    assert (first.time.kind, first.time.due) == ("deadline", D(2025, 6, 30))
    assert leads(second) == ["Sở Tài chính"]
    assert others(second) == ["Sở Nội vụ"]
    assert second.time.due == D(2025, 12, 15)


def test_a_subject_no_registry_knows_is_kept_whole():
    draft = parse(
        "II. NHIỆM VỤ",
        "(4) Ủy ban nhân dân thành phố Hải Phòng chủ trì, phối hợp với Bộ Công an bố trí "
        "ngân sách thực hiện, hoàn thành trong năm 2026.",
    )
    (task,) = draft.tasks
    assert leads(task) == ["Ủy ban nhân dân thành phố Hải Phòng"]
    assert others(task) == ["Bộ Công an"]
    assert any(r.field == "assignments" for r in task.review)


def test_a_document_with_no_tasks_says_so():
    draft = parse("BÁO CÁO", "Tình hình kinh tế - xã hội tháng 11 năm 2025 ổn định.")
    assert draft.tasks == []
    assert any("Không tìm thấy nhiệm vụ" in w.message for w in draft.warnings)


# ---- task tables ----

TABLE_PLAN = [
    "KẾ HOẠCH",
    "I. MỤC TIÊU",
    "Đến năm 2030, 100% doanh nghiệp được hỗ trợ.",
    "II. TỔ CHỨC THỰC HIỆN",
    "1. Sở Khoa học và Công nghệ",
    "- Rà soát các cơ chế hỗ trợ đổi mới công nghệ.",
    "PHỤ LỤC",
    "NHIỆM VỤ VÀ GIẢI PHÁP",
    "\n".join(
        [
            "| STT | NHIỆM VỤ VÀ GIẢI PHÁP | CHỦ TRÌ | PHỐI HỢP | THỜI GIAN |",
            "|---|---|---|---|---|",
            "| **I** | **NHÓM GIẢI PHÁP VỀ CƠ CHẾ** | | | |",
            "| 1 | Rà soát các cơ chế hỗ trợ đổi mới công nghệ | Sở Khoa học và Công nghệ "
            "| Sở Tài chính; Viện, Trường | 2026 |",
            "| ** II** | **PHÁT TRIỂN NGUỒN NHÂN LỰC** | | | |",
            "| 1 | Đào tạo kỹ sư công nghệ<br>cho doanh nghiệp | Sở Nội vụ | Doanh nghiệp "
            "| 2025 - 2035 |",
            "| 2 | Hỗ trợ chuyên gia | Sở Nội vụ | | Thường xuyên |",
        ]
    ),
]


def test_rows_of_a_task_table_are_the_tasks_with_group_rows_as_sections():
    draft = parse(*TABLE_PLAN)
    assert texts(draft) == [
        "Rà soát các cơ chế hỗ trợ đổi mới công nghệ",
        "Đào tạo kỹ sư công nghệ cho doanh nghiệp",
        "Hỗ trợ chuyên gia",
    ]
    first, second, third = draft.tasks
    assert leads(first) == ["Sở Khoa học và Công nghệ"]
    assert others(first) == ["Sở Tài chính", "Viện, Trường"]
    assert (second.time.kind, second.time.start, second.time.due) == (
        "deadline",
        D(2025, 1, 1),
        D(2035, 12, 31),
    )
    assert third.time.kind == "continuous"
    titles = {s.title for s in draft.sections}
    assert {"NHÓM GIẢI PHÁP VỀ CƠ CHẾ", "PHÁT TRIỂN NGUỒN NHÂN LỰC"} <= titles


def test_a_duty_that_repeats_a_table_row_is_not_counted_twice():
    draft = parse(*TABLE_PLAN)
    repeated = [t for t in draft.tasks if t.text.startswith("Rà soát các cơ chế")]
    assert len(repeated) == 1


def test_a_solution_naming_only_a_coordinator_is_no_task_in_a_plan_by_body():
    draft = parse(
        "III. NHIỆM VỤ VÀ GIẢI PHÁP",
        "1. Điều tra cơ bản",
        "- Phối hợp với các bộ, ngành Trung ương triển khai các chương trình điều tra.",
        "IV. NHIỆM VỤ CỤ THỂ",
        "1. Sở Khoa học và Công nghệ",
        "- Chủ trì nghiên cứu ứng dụng công nghệ quan trắc.",
    )
    assert texts(draft) == ["Chủ trì nghiên cứu ứng dụng công nghệ quan trắc."]
