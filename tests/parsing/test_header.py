"""The parts around a document's body: a plan attached to the decision that adopts it, and the
header fields (number, date, issuer, kind, title, signer). Small documents written for the
rule each test is about."""

from __future__ import annotations

import datetime as dt

from theodoi.parsing import parse_text

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
    # The decision's articles are kept, as text, not as tasks.
    assert any(text.startswith("Điều 1. Ban hành kèm theo") for text in draft.preamble)


def test_an_attached_plan_without_the_note_starts_at_its_first_heading_after_the_closing() -> None:
    items = [item for item in DECISION_WITH_PLAN if not item.startswith("(Kèm theo")]
    items[items.index("KẾ HOẠCH")] = "Chương trình"
    draft = parse_text(md(*items))
    assert draft.kind == "Chương trình"
    assert len(draft.tasks) == 2


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
