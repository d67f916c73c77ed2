"""The parts around a document's body: a plan attached to the decision that adopts it, and the
header fields (number, date, issuer, kind, title, signer). Small documents written for the
rule each test is about."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from theodoi.parsing import parse_file, parse_text

from .builders import build_docx

D = dt.date


def md(*paragraphs: str) -> str:
    """A Markdown document: one paragraph per argument."""
    return "\n\n".join(paragraphs) + "\n"


# A People's Committee decision that adopts a plan, then the plan itself.
DECISION_WITH_PLAN = [
    "ỦY BAN NHÂN DÂN TỈNH HÒA BÌNH",
    "Số: 88/QĐ-UBND",
    "Hòa Bình, ngày 05 tháng 3 năm 2024",
    "QUYẾT ĐỊNH",
    "Ban hành Kế hoạch phát triển du lịch cộng đồng năm 2024",
    "ỦY BAN NHÂN DÂN TỈNH HÒA BÌNH",
    "Căn cứ Luật Du lịch ngày 19 tháng 6 năm 2017;",
    "Theo đề nghị của Giám đốc Sở Du lịch.",
    "QUYẾT ĐỊNH:",
    "Điều 1. Ban hành kèm theo Quyết định này Kế hoạch phát triển du lịch cộng đồng năm 2024.",
    "Điều 2. Quyết định này có hiệu lực kể từ ngày ký.",
    "Điều 3. Chánh Văn phòng Ủy ban nhân dân tỉnh, Giám đốc Sở Du lịch chịu trách nhiệm thi "
    "hành Quyết định này.",
    "Nơi nhận:",
    "- Như Điều 3;",
    "- Lưu: VT.",
    "TM. ỦY BAN NHÂN DÂN",
    "CHỦ TỊCH",
    "Bùi Văn Khánh",
    "KẾ HOẠCH",
    "Phát triển du lịch cộng đồng năm 2024",
    "(Kèm theo Quyết định số 88/QĐ-UBND ngày 05/3/2024 của Ủy ban nhân dân tỉnh)",
    "I. MỤC ĐÍCH, YÊU CẦU",
    "1. Phát huy tiềm năng du lịch của các bản làng.",
    "II. NHIỆM VỤ",
    "1. Sở Du lịch chủ trì xây dựng bộ tiêu chí homestay, hoàn thành trong quý II/2024.",
    "2. Sở Tài chính chủ trì bố trí kinh phí, hoàn thành trong tháng 9/2024.",
    "III. TỔ CHỨC THỰC HIỆN",
    "Sở Du lịch theo dõi, báo cáo Ủy ban nhân dân tỉnh.",
]


def test_a_plan_attached_to_a_decision_is_read_for_tasks() -> None:
    draft = parse_text(md(*DECISION_WITH_PLAN))
    texts = [task.text for task in draft.tasks]
    assert len(texts) == 2
    assert texts[0].startswith("Sở Du lịch chủ trì xây dựng bộ tiêu chí homestay")
    assert not any(text.startswith("Điều") for text in texts)
    assert {task.section for task in draft.tasks} == {"II"}


def test_the_decision_gives_number_date_and_signer_the_plan_kind_and_title() -> None:
    draft = parse_text(md(*DECISION_WITH_PLAN))
    assert draft.kind == "Kế hoạch"
    assert draft.title == "Phát triển du lịch cộng đồng năm 2024"
    assert (draft.number, draft.date) == ("88/QĐ-UBND", D(2024, 3, 5))
    assert draft.date.year == 2024  # the year yearless task dates take
    assert (draft.signer.on_behalf, draft.signer.title, draft.signer.name) == (
        "TM. ỦY BAN NHÂN DÂN",
        "CHỦ TỊCH",
        "Bùi Văn Khánh",
    )
    assert draft.recipients == ["Như Điều 3", "Lưu: VT"]
    # The decision's title and articles are kept, as text, not as tasks; the decision is
    # the first reference, with its kind.
    assert draft.preamble[0] == "Ban hành Kế hoạch phát triển du lịch cộng đồng năm 2024"
    assert any(text.startswith("Điều 1. Ban hành kèm theo") for text in draft.preamble)
    decision = draft.references[0]
    assert (decision.type, decision.number, decision.date) == (
        "Quyết định",
        "88/QĐ-UBND",
        D(2024, 3, 5),
    )


def test_an_attached_plan_without_the_note_starts_at_its_first_heading_after_the_closing() -> None:
    items = [item for item in DECISION_WITH_PLAN if not item.startswith("(Kèm theo")]
    items[items.index("KẾ HOẠCH")] = "Chương trình"
    draft = parse_text(md(*items))
    assert draft.kind == "Chương trình"
    assert len(draft.tasks) == 2


def test_an_attached_plan_after_a_decision_that_lost_its_signature() -> None:
    # A text copy without the signature table: the note alone marks the plan's start.
    start, end = DECISION_WITH_PLAN.index("Nơi nhận:"), DECISION_WITH_PLAN.index("KẾ HOẠCH")
    draft = parse_text(md(*DECISION_WITH_PLAN[:start], *DECISION_WITH_PLAN[end:]))
    assert (draft.kind, len(draft.tasks)) == ("Kế hoạch", 2)
    assert not any(task.text.startswith("Điều") for task in draft.tasks)


def test_an_attached_plan_ends_at_its_own_closing_and_keeps_its_appendix() -> None:
    items = [
        *DECISION_WITH_PLAN,
        "TM. ỦY BAN NHÂN DÂN",
        "CHỦ TỊCH",
        "Bùi Văn Khánh",
        "Phụ lục: Danh mục nhiệm vụ",
        "| STT | Nhiệm vụ | Cơ quan chủ trì | Thời gian hoàn thành |",
        "|---|---|---|---|",
        "| 1 | Tổ chức lễ hội bản làng | Sở Du lịch | Tháng 10/2024 |",
    ]
    draft = parse_text(md(*items))
    assert [s.number for s in draft.sections] == ["I", "II", "III", "PL"]
    assert len(draft.tasks) >= 2
    assert not any("dòng cuối" in w.message for w in draft.warnings)


def test_an_attached_plan_that_repeats_the_header_and_a_decision_without_number() -> None:
    items = list(DECISION_WITH_PLAN)
    items.remove("Số: 88/QĐ-UBND")
    items.remove("Hòa Bình, ngày 05 tháng 3 năm 2024")
    at = items.index("KẾ HOẠCH")
    items[at:at] = ["ỦY BAN NHÂN DÂN TỈNH HÒA BÌNH", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"]
    draft = parse_text(md(*items))
    assert len(draft.tasks) == 2
    # The note gives the number and the date the decision's header left out.
    assert (draft.number, draft.date) == ("88/QĐ-UBND", D(2024, 3, 5))
    assert not any("dòng cuối" in w.message for w in draft.warnings)


def test_the_enacting_words_are_not_an_attached_document() -> None:
    # "QUYẾT ĐỊNH:" opens the articles; a heading-numbered article list is still the
    # decision's, with no plan attached.
    draft = parse_text(
        md(
            "ỦY BAN NHÂN DÂN TỈNH HÒA BÌNH",
            "QUYẾT ĐỊNH",
            "Về việc giao nhiệm vụ phòng, chống thiên tai",
            "QUYẾT ĐỊNH:",
            "I. Giao Sở Nông nghiệp chủ trì lập phương án, hoàn thành trong tháng 6/2024.",
        )
    )
    assert draft.kind == "Quyết định"
    assert draft.title == "Về việc giao nhiệm vụ phòng, chống thiên tai"


def test_a_kind_word_inside_a_standalone_plan_does_not_split_it() -> None:
    items = [
        "ỦY BAN NHÂN DÂN TỈNH HÒA BÌNH",
        "Số: 12/KH-UBND",
        "KẾ HOẠCH",
        "Phát triển du lịch cộng đồng năm 2024",
        "I. NHIỆM VỤ",
        "1. Sở Du lịch chủ trì xây dựng bộ tiêu chí homestay, hoàn thành trong quý II/2024.",
        "Kế hoạch",
        "2. Sở Tài chính chủ trì bố trí kinh phí, hoàn thành trong tháng 9/2024.",
    ]
    draft = parse_text(md(*items))
    assert draft.number == "12/KH-UBND"
    assert len(draft.tasks) == 2


# --------------------------------------------------------------------------- header fields


def header(*lines: str) -> list[str]:
    """A small plan under the given header lines, so the header is all that varies."""
    return [
        *lines,
        "I. NHIỆM VỤ",
        "1. Sở Y tế chủ trì tổ chức tập huấn, hoàn thành trong quý II/2025.",
    ]


def test_number_forms_of_state_and_party_documents() -> None:
    state = parse_text(md(*header("ỦY BAN NHÂN DÂN TỈNH ĐIỆN BIÊN", "Số: 215/KH-UBND", "KẾ HOẠCH")))
    party = parse_text(md(*header("TỈNH ỦY ĐIỆN BIÊN", "Số 42-KH/TU", "KẾ HOẠCH")))
    blank = parse_text(md(*header("THỦ TƯỚNG CHÍNH PHỦ", "Số: /QĐ-TTg", "QUYẾT ĐỊNH")))
    spaced = parse_text(md(*header("Số: 215 /KH-UBND", "KẾ HOẠCH")))
    assert (state.number, party.number, blank.number) == ("215/KH-UBND", "42-KH/TU", None)
    assert spaced.number == "215/KH-UBND"


def test_date_in_words_and_in_figures() -> None:
    words = parse_text(md(*header("Điện Biên, ngày 19 tháng 11 năm 2025", "KẾ HOẠCH")))
    figures = parse_text(md(*header("Điện Biên, ngày 19/11/2025", "KẾ HOẠCH")))
    assert words.date == figures.date == D(2025, 11, 19)


def test_a_date_in_the_title_is_not_the_documents_date() -> None:
    draft = parse_text(
        md(*header("KẾ HOẠCH", "Thực hiện Chỉ thị số 05-CT/TW ngày 15/5/2016 của Bộ Chính trị"))
    )
    assert draft.date is None


def test_issuer_in_a_readable_case_with_its_place() -> None:
    def issuer(*lines: str) -> str | None:
        return parse_text(md(*header(*lines, "KẾ HOẠCH"))).issuer

    # Old tone placement, and the name broken over two lines.
    assert issuer("UỶ BAN NHÂN DÂN", "TỈNH ĐIỆN BIÊN") == "Ủy ban nhân dân tỉnh Điện Biên"
    assert issuer("ỦY BAN NHÂN DÂN THÀNH PHỐ HẢI PHÒNG") == "Ủy ban nhân dân thành phố Hải Phòng"
    assert issuer("UBND TP HÀ NỘI") == "Ủy ban nhân dân thành phố Hà Nội"
    assert issuer("THỦ TƯỚNG CHÍNH PHỦ") == "Thủ tướng Chính phủ"
    assert issuer("BỘ GIÁO DỤC VÀ ĐÀO TẠO") == "Bộ Giáo dục và Đào tạo"
    assert issuer("BỘ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI") == "Bộ Lao động - Thương binh và Xã hội"


def test_issuer_below_its_superior_body() -> None:
    def issuer(*lines: str) -> str | None:
        return parse_text(md(*header(*lines, "KẾ HOẠCH"))).issuer

    # A Party body's header: its superior above it, the Party's name on the right.
    assert (
        issuer("ĐẢNG CỘNG SẢN VIỆT NAM", "BAN CHẤP HÀNH TRUNG ƯƠNG", "ĐẢNG ĐOÀN QUỐC HỘI")
        == "Đảng đoàn Quốc hội"
    )
    # A department under its province's committee keeps the province.
    assert issuer("UBND TỈNH ĐIỆN BIÊN", "SỞ TÀI CHÍNH") == "Sở Tài chính tỉnh Điện Biên"
    assert issuer("TỈNH ỦY ĐIỆN BIÊN", "BAN TUYÊN GIÁO") == "Ban Tuyên giáo Tỉnh ủy Điện Biên"


def test_a_province_the_registry_does_not_know_keeps_its_own_name() -> None:
    # The shipped registry is Quảng Ngãi's: another province must not become its committee.
    draft = parse_text(md(*header("ỦY BAN NHÂN DÂN TỈNH ĐIỆN BIÊN", "KẾ HOẠCH")))
    assert draft.issuer == "Ủy ban nhân dân tỉnh Điện Biên"


def test_kind_and_title_under_the_type_name() -> None:
    draft = parse_text(
        md(
            *header(
                "KẾ HOẠCH",
                "TRIỂN KHAI THI HÀNH LUẬT ĐẤT ĐAI",
                "TRÊN ĐỊA BÀN TỈNH ĐIỆN BIÊN",
                "Căn cứ Luật Đất đai ngày 18 tháng 01 năm 2024;",
            )
        )
    )
    assert draft.kind == "Kế hoạch"
    # As written (capitals are kept: a case change would lose proper names), lines joined.
    assert draft.title == "TRIỂN KHAI THI HÀNH LUẬT ĐẤT ĐAI TRÊN ĐỊA BÀN TỈNH ĐIỆN BIÊN"
    assert draft.preamble == ["Căn cứ Luật Đất đai ngày 18 tháng 01 năm 2024;"]


def test_other_kinds() -> None:
    def kind(word: str) -> str | None:
        return parse_text(md(*header(word, "Về công tác phòng, chống thiên tai"))).kind

    assert kind("CHỈ THỊ") == "Chỉ thị"
    assert kind("KẾT LUẬN") == "Kết luận"
    assert kind("CHƯƠNG TRÌNH HÀNH ĐỘNG") == "Chương trình hành động"
    assert kind("QUYẾT ĐỊNH") == "Quyết định"


def test_a_decisions_title_ends_at_the_line_naming_who_decides() -> None:
    draft = parse_text(
        md(
            "THỦ TƯỚNG CHÍNH PHỦ",
            "QUYẾT ĐỊNH",
            "Phê duyệt Đề án phát triển du lịch",
            "THỦ TƯỚNG CHÍNH PHỦ",
            "Căn cứ Luật Tổ chức Chính phủ;",
            "QUYẾT ĐỊNH:",
            "Điều 1. Phê duyệt Đề án.",
        )
    )
    assert (draft.kind, draft.title) == ("Quyết định", "Phê duyệt Đề án phát triển du lịch")


def test_a_plans_title_line_naming_a_title_stays_in_the_title() -> None:
    # Only a decision has a line naming who decides; in a plan it is the title's wording.
    draft = parse_text(md(*header("KẾ HOẠCH", "TỔ CHỨC KỶ NIỆM NGÀY SINH", "CHỦ TỊCH HỒ CHÍ MINH")))
    assert draft.title == "TỔ CHỨC KỶ NIỆM NGÀY SINH CHỦ TỊCH HỒ CHÍ MINH"


def test_a_type_name_that_opens_a_longer_line_stays_in_the_title() -> None:
    draft = parse_text(
        md(
            *header(
                "CHƯƠNG TRÌNH HÀNH ĐỘNG CỦA TỈNH ỦY", "thực hiện Nghị quyết Đại hội lần thứ XXI"
            )
        )
    )
    assert draft.kind == "Chương trình hành động"
    assert (
        draft.title == "CHƯƠNG TRÌNH HÀNH ĐỘNG CỦA TỈNH ỦY thực hiện Nghị quyết Đại hội lần thứ XXI"
    )


def test_signature_and_recipients_written_in_one_cell() -> None:
    draft = parse_text(
        md(
            *header("ỦY BAN NHÂN DÂN TỈNH ĐIỆN BIÊN", "KẾ HOẠCH"),
            "Nơi nhận: - Bộ Y tế; - Thường trực Tỉnh ủy (để báo cáo); - Lưu: VT, KGVX.",
            "TM. ỦY BAN NHÂN DÂN KT. CHỦ TỊCH PHÓ CHỦ TỊCH Lò Văn Mạnh",
        )
    )
    assert (draft.signer.on_behalf, draft.signer.title, draft.signer.name) == (
        "TM. ỦY BAN NHÂN DÂN KT. CHỦ TỊCH",
        "PHÓ CHỦ TỊCH",
        "Lò Văn Mạnh",
    )
    assert draft.recipients == ["Bộ Y tế", "Thường trực Tỉnh ủy (để báo cáo)", "Lưu: VT, KGVX"]


def test_signers_titles() -> None:
    def signer(*lines: str) -> tuple[str | None, str | None, str | None]:
        draft = parse_text(md(*header("KẾ HOẠCH"), "Nơi nhận:", "- Lưu: VT.", *lines))
        return draft.signer.on_behalf, draft.signer.title, draft.signer.name

    assert signer("THỦ TƯỚNG", "Nguyễn Văn Bình") == (None, "THỦ TƯỚNG", "Nguyễn Văn Bình")
    assert signer("KT. BỘ TRƯỞNG", "THỨ TRƯỞNG", "Trần Văn Sơn") == (
        "KT. BỘ TRƯỞNG",
        "THỨ TRƯỞNG",
        "Trần Văn Sơn",
    )
    assert signer("T/M ĐẢNG ĐOÀN", "BÍ THƯ", "Lê Văn Hà") == (
        "T/M ĐẢNG ĐOÀN",
        "BÍ THƯ",
        "Lê Văn Hà",
    )


def test_a_header_in_a_word_table(tmp_path: Path) -> None:
    """The two-column header table offices use: issuer and number on the left, the motto
    and the place and date on the right."""
    path = build_docx(
        tmp_path / "plan.docx",
        [
            [
                [
                    "UỶ BAN NHÂN DÂN\nTỈNH ĐIỆN BIÊN",
                    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc",
                ],
                ["Số: 215/KH-UBND", "Điện Biên, ngày 19 tháng 11 năm 2025"],
            ],
            *header("KẾ HOẠCH", "Triển khai thi hành Luật Đất đai"),
        ],
    )
    draft = parse_file(path)
    assert (draft.number, draft.date, draft.issuer, draft.kind, draft.title) == (
        "215/KH-UBND",
        D(2025, 11, 19),
        "Ủy ban nhân dân tỉnh Điện Biên",
        "Kế hoạch",
        "Triển khai thi hành Luật Đất đai",
    )


def test_a_document_without_a_header_gives_nulls() -> None:
    # A quoted excerpt: no issuer block, number, date, type name or signature.
    draft = parse_text(
        md(
            "Tại Mục 1 Chỉ thị 24/CT-TTg, yêu cầu như sau:",
            "(1) Bộ Công an:",
            "- Chủ trì triển khai ứng dụng định danh điện tử, hoàn thành trong tháng 10 năm 2025.",
        )
    )
    assert (draft.number, draft.date, draft.issuer, draft.kind, draft.title) == (
        None,
        None,
        None,
        None,
        "",
    )
    assert (draft.signer.title, draft.signer.name) == (None, None)


def test_a_name_in_capitals_that_ends_on_a_head_or_place_word_is_still_written_out():
    """A header line cut short ("... SỞ", "... THÀNH") must not break the reading: the last
    word has nothing after it to pair with (hypothesis found "SỞ" alone raised IndexError)."""
    from theodoi.parsing.frontmatter import readable_name

    assert readable_name("SỞ") == "Sở"
    assert readable_name("ỦY BAN NHÂN DÂN TỈNH") == "Ủy ban nhân dân tỉnh"
    assert readable_name("BAN CHỈ ĐẠO CỦA BỘ") == "Ban Chỉ đạo của bộ"
