"""The bundled example program parses completely: every section, every task, its bodies,
roles and time, the header, the closing, the references, and the displaced line."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

import pytest

from theodoi.parsing import example_path, parse_file

D = dt.date


@pytest.fixture(scope="module")
def draft():
    return parse_file(example_path())


@pytest.fixture(scope="module")
def tasks(draft):
    return {task.id: task for task in draft.tasks}


def roles_of(task) -> dict[str, list[str]]:
    return {a.org: a.roles for a in task.assignments}


SECTION_III_COUNTS = {
    "1.1": 3, "1.2": 5, "1.3": 12, "1.4": 2, "1.5": 3, "1.6": 5, "1.7": 4, "2": 3,
    "3.1": 5, "3.2": 9, "3.3": 3, "3.4": 2, "3.5": 8, "3.6": 5, "4.1": 3, "4.2": 6,
    "4.3": 3, "4.4": 7, "4.5": 3, "5": 4, "6": 5,
}  # fmt: skip


def test_section_iii_has_its_100_tasks_in_the_right_areas(draft):
    counts = Counter(t.section for t in draft.tasks if t.section.startswith("B.III."))
    assert counts == {f"B.III.{area}": n for area, n in SECTION_III_COUNTS.items()}
    assert sum(counts.values()) == 100


def test_the_section_tree_follows_the_document_numbering(draft):
    sections = {s.number: s for s in draft.sections}
    assert [s for s in sections if "." not in s] == ["A", "B", "C"]
    assert sections["B.III.1.1"].parent == "B.III.1"
    assert sections["B.III.1"].parent == "B.III"
    assert sections["B.III"].parent == "B"
    assert sections["B.III.1.1"].title == "Chú trọng xây dựng Đảng về chính trị, tư tưởng"
    assert sections["B.III.4.5"].title == (
        "Thực hiện tốt các chính sách xã hội, bảo đảm an sinh xã hội"
    )
    assert sections["B.III.6"].title.startswith("Bảo đảm quốc phòng, an ninh")
    # Purpose and implementation provisions are kept as text, not tasks.
    assert sections["A"].text[0].startswith("1. Quán triệt, tuyên truyền")
    assert any("Văn phòng Tỉnh ủy chủ trì" in p for p in sections["C"].text)


def test_every_task_has_bodies_and_an_understood_time(draft):
    for task in draft.tasks:
        assert task.assignments, task.id
        assert task.time.kind != "unknown", (task.id, task.time.text)


def test_task_with_directing_issuing_and_advising_bodies(tasks):
    task = tasks["B.III.1.1/1"]
    assert task.text.startswith("Ban hành và thực hiện hiệu quả Chỉ thị về tăng cường")
    assert roles_of(task) == {
        "Ban Thường vụ Tỉnh ủy": ["directs", "issues"],
        "Ban Tuyên giáo Tỉnh ủy": ["advises"],
    }
    assert (task.time.kind, task.time.due, task.time.text) == (
        "deadline",
        D(2021, 3, 31),
        "Trong quý I/2021",
    )


def test_advising_and_implementing_line_with_groups(tasks):
    task = tasks["B.III.1.1/2"]
    assert roles_of(task) == {
        "Ban Thường vụ Tỉnh ủy": ["directs"],
        "Ban Tuyên giáo Tỉnh ủy": ["advises", "implements"],
        "Các huyện ủy, thị ủy, thành ủy, đảng ủy trực thuộc Tỉnh ủy": ["advises", "implements"],
        "Các ban cán sự đảng, đảng đoàn": ["advises", "implements"],
        "Các cơ quan liên quan": ["advises", "implements"],
    }
    groups = {a.org for a in task.assignments if a.group}
    assert groups == {
        "Các huyện ủy, thị ủy, thành ủy, đảng ủy trực thuộc Tỉnh ủy",
        "Các ban cán sự đảng, đảng đoàn",
        "Các cơ quan liên quan",
    }
    assert task.time.kind == "continuous"


def test_elided_group_name_is_the_same_group(tasks):
    task = tasks["B.III.1.1/3"]
    assert roles_of(task)["Các huyện ủy, thị ủy, thành ủy, đảng ủy trực thuộc Tỉnh ủy"] == [
        "advises"
    ]
    written = {a.written for a in task.assignments}
    assert "các huyện, thị ủy, thành ủy, đảng ủy trực thuộc" in written


def test_lead_and_coordinating_bodies(tasks):
    task = tasks["B.III.1.3/2"]
    assert roles_of(task) == {
        "Ban Thường vụ Tỉnh ủy": ["directs", "issues"],
        "Ban Tổ chức Tỉnh ủy": ["advises", "implements", "leads"],
        "Ban cán sự đảng Ủy ban nhân dân tỉnh": ["advises", "implements", "coordinates"],
    }


def test_lead_without_comma_before_phoi_hop(tasks):
    task = tasks["B.III.1.2/4"]
    assert task.text.startswith("Sơ kết việc thực hiện Chương trình hành động số 18-CTr/TU")
    assert roles_of(task)["Ban Tổ chức Tỉnh ủy"] == ["advises", "leads"]
    assert roles_of(task)["Các cơ quan liên quan"] == ["advises", "coordinates"]
    assert task.time.due == D(2021, 9, 30)


def test_two_names_run_together_are_two_bodies(tasks):
    task = tasks["B.III.1.3/4"]
    assert roles_of(task) == {
        "Tỉnh ủy": ["directs", "issues"],
        "Ban Tổ chức Tỉnh ủy": ["advises"],
        "Ủy ban Kiểm tra Tỉnh ủy": ["advises"],
        "Ban cán sự đảng Ủy ban nhân dân tỉnh": ["advises"],
        "Các cơ quan liên quan": ["advises"],
    }


def test_capitalisation_variants_are_one_body(draft):
    ids = {
        a.id
        for t in draft.tasks
        for a in t.assignments
        if a.written.lower().startswith("ban cán sự đảng ủy ban nhân dân")
    }
    assert ids == {"qn.bcsd-ubnd"}
    written = {a.written for t in draft.tasks for a in t.assignments if a.id == "qn.bcsd-ubnd"}
    assert {
        "Ban Cán sự đảng Ủy ban nhân dân tỉnh",
        "Ban cán sự đảng Ủy ban nhân dân tỉnh",
    } <= written


def test_list_artefacts_do_not_change_the_task(tasks):
    """ "- + *Cơ quan chỉ đạo, ban hành:*" lines (1.3, tasks 8-12) read like the others."""
    task = tasks["B.III.1.3/8"]
    assert task.text.startswith("Nghiên cứu, xây dựng Đề án lựa chọn")
    assert roles_of(task) == {
        "Ban Thường vụ Tỉnh ủy": ["directs", "issues"],
        "Ban Tổ chức Tỉnh ủy": ["advises"],
    }
    assert task.time.due == D(2022, 3, 31)
    assert "*" not in task.text


def test_compound_time_with_scopes(tasks):
    task = tasks["B.III.1.4/1"]
    assert task.time.kind == "compound"
    first, second = task.time.parts
    assert (first.kind, first.due) == ("deadline", D(2020, 12, 31))
    assert first.scope == "Chương trình kiểm tra, giám sát toàn khóa"
    assert (second.kind, second.every) == ("recurring", "year")
    assert second.scope == "Chương trình kiểm tra, giám sát hàng năm"
    assert roles_of(task)["Tỉnh ủy"] == ["directs", "issues"]
    assert roles_of(task)["Ban Thường vụ Tỉnh ủy"] == ["directs", "issues"]


def test_time_forms_of_the_example(tasks):
    cases = {
        "B.III.1.3/7": ("ongoing", None, D(2021, 1, 1), "year"),  # Năm 2021 và những năm tiếp theo
        "B.III.1.3/10": ("recurring", None, None, "year"),  # Hàng năm
        "B.III.3.2/8": ("deadline", D(2021, 3, 31), None, None),  # Trong quý I năm 2021
        "B.III.3.5/7": ("deadline", D(2025, 12, 31), None, None),  # Chậm nhất năm 2025
        "B.III.3.6/3": ("recurring", None, D(2021, 1, 1), "year"),  # Năm 2021 và hàng năm
        "B.III.1.7/1": ("deadline", D(2020, 12, 31), None, None),  # Trong quý IV/2020
        "B.III.3.5/2": ("deadline", D(2020, 12, 31), None, None),  # Trong năm 2020
    }
    for task_id, (kind, due, start, every) in cases.items():
        time = tasks[task_id].time
        assert (time.kind, time.due, time.start, time.every) == (kind, due, start, every), task_id


def test_armed_forces_and_judicial_party_bodies(tasks):
    task = tasks["B.III.6/1"]
    assert set(roles_of(task)) == {
        "Ban Thường vụ Tỉnh ủy",
        "Ban Nội chính Tỉnh ủy",
        "Ban cán sự đảng Ủy ban nhân dân tỉnh",
        "Đảng ủy Quân sự tỉnh",
        "Đảng ủy Công an tỉnh",
        "Ban cán sự đảng Tòa án nhân dân tỉnh",
        "Ban cán sự đảng Viện kiểm sát nhân dân tỉnh",
        "Các huyện ủy, thị ủy, thành ủy, đảng ủy trực thuộc Tỉnh ủy",
    }


def test_a_paragraph_broken_across_a_page_is_rejoined(tasks):
    task = tasks["B.III.1.5/3"]
    assert "các tổ chức chính trị - xã hội, các cơ quan truyền thông, báo chí" in task.text


def test_the_displaced_line_is_a_warning_not_a_task(draft):
    fragment = "xã hội thuộc diện hộ nghèo"
    assert not any(fragment in t.text for t in draft.tasks)
    assert not any(fragment in s.title for s in draft.sections)
    warnings = [w for w in draft.warnings if fragment in w.message]
    assert len(warnings) == 1
    source = example_path().read_text(encoding="utf-8").splitlines()
    assert source[warnings[0].line - 1].startswith(fragment)


def test_section_i_prose_tasks_with_milestones(tasks):
    first = tasks["B.I.1"]
    assert first.section == "B.I"
    assert roles_of(first) == {"Ban Tuyên giáo Tỉnh ủy": ["advises"]}
    assert (first.time.kind, first.time.due) == ("deadline", D(2020, 12, 31))

    second = tasks["B.I.2"]
    assert [m.due for m in second.milestones] == [D(2021, 3, 31), D(2021, 4, 30)]
    assert second.milestones[0].scope == "cả cấp tỉnh, cấp huyện và tương đương"
    assert second.milestones[1].scope == "cấp cơ sở"
    assert second.time.kind == "compound"
    # No body is named: the program's "Tổ chức thực hiện" part says who, marked as inferred.
    assert second.assignments and all(a.inferred for a in second.assignments)
    assert roles_of(second)["Ban Thường vụ Tỉnh ủy"] == ["directs"]

    third = tasks["B.I.3"]
    assert roles_of(third) == {
        "Ban Tuyên giáo Tỉnh ủy": ["directs"],
        "Các cơ quan thông tin đại chúng": ["implements"],
    }
    assert [m.due for m in third.milestones] == [D(2020, 12, 31), D(2021, 4, 30)]
    assert [m.scope for m in third.milestones] == ["xây dựng kế hoạch", "tuyên truyền"]


def test_section_ii_prose_tasks(tasks):
    programs = tasks["B.II.1"]
    assert set(roles_of(programs)) == {
        "Các huyện ủy, thị ủy, thành ủy, đảng ủy trực thuộc Tỉnh ủy",
        "Các ban cán sự đảng, đảng đoàn",
        "Các cơ quan chuyên trách tham mưu, giúp việc Tỉnh ủy",
    }
    # "thực hiện đồng thời với việc quán triệt Nghị quyết XX": the time of task B.I.2.
    assert programs.time.kind == "compound"
    assert [p.due for p in programs.time.parts] == [D(2021, 3, 31), D(2021, 4, 30)]

    plans = tasks["B.II.2"]
    assert set(roles_of(plans)) == {
        "Bí thư các cấp ủy",
        "Chủ tịch Hội đồng nhân dân, Ủy ban nhân dân các cấp",
        "Thủ trưởng các sở, ban, ngành, đoàn thể cấp tỉnh",
    }
    assert plans.time.due == D(2021, 3, 31)

    evaluation = tasks["B.II.3"]
    assert "Giao Ban Tổ chức Tỉnh ủy theo dõi" in evaluation.text
    assert roles_of(evaluation)["Ban Tổ chức Tỉnh ủy"] == ["implements"]
    assert any(p.every == "year" for p in [evaluation.time, *evaluation.time.parts])


def test_header_and_closing(draft):
    assert draft.title == (
        "CHƯƠNG TRÌNH HÀNH ĐỘNG CỦA TỈNH ỦY "
        "thực hiện Nghị quyết Đại hội đại biểu Đảng bộ tỉnh lần thứ XX"
    )
    assert draft.kind == "Chương trình hành động"
    assert draft.issuer == "Tỉnh ủy"
    assert draft.term == (2020, 2025)
    assert draft.resolution == "Nghị quyết Đại hội đại biểu Đảng bộ tỉnh lần thứ XX"
    # The Markdown conversion carries no number or date: none is invented.
    assert draft.number is None and draft.date is None
    assert draft.preamble[0].startswith("Thực hiện Nghị quyết Đại hội đại biểu")
    assert (draft.signer.on_behalf, draft.signer.title, draft.signer.name) == (
        "T/M TỈNH ỦY",
        "BÍ THƯ",
        "Bùi Thị Quỳnh Vân",
    )
    assert len(draft.recipients) == 11
    assert draft.recipients[0] == "Bộ Chính trị, Ban Bí thư (báo cáo)"
    assert draft.recipients[-1] == "Lưu Văn phòng Tỉnh ủy"


def test_references_with_type_number_and_date(draft):
    by_number = {r.number: r for r in draft.references}
    assert by_number["101-QĐ/TW"].type == "Quy định"
    assert by_number["101-QĐ/TW"].date == D(2012, 6, 7)
    assert by_number["81-KL/TW"].text == "Kết luận số 81-KL/TW ngày 29/7/2020"
    assert by_number["205-QĐ/TW"].date == D(2019, 9, 23)
    assert by_number["22-NQ/TW"].date == D(2008, 2, 2)  # the dated mention wins
    assert len(by_number) == 18


def test_task_ids_are_unique_and_lines_point_at_the_task(draft):
    ids = [t.id for t in draft.tasks]
    assert len(ids) == len(set(ids))
    source = example_path().read_text(encoding="utf-8").splitlines()
    for task in draft.tasks:
        line = source[task.line - 1]
        assert task.text.split("\n")[0][:30] in line.replace("*", ""), task.id


def test_no_warnings_besides_the_known_ones(draft):
    """The example is clean but for the displaced line and the inferred bodies of B.I.2."""
    messages = [w.message for w in draft.warnings]
    assert len(messages) == 3, messages


def test_nothing_in_the_document_is_dropped(draft):
    """Every paragraph ends up somewhere: a title, a text, a task, a role or time line read
    into its task, the closing, or a warning."""
    from theodoi.parsing.outline import heading
    from theodoi.parsing.readers import read_file
    from theodoi.parsing.roles import read_label

    signature = f"{draft.signer.on_behalf} {draft.signer.title}"
    kept = json.dumps(draft.to_dict(), ensure_ascii=False) + signature
    for block in read_file(example_path()):
        if read_label(block.text):
            continue
        found = heading(block)
        text = found[1] if found else block.text.removeprefix("Nơi nhận:").strip(" ,.;")
        assert text in kept, block


def test_the_example_as_a_word_file_parses_to_the_same_program(tmp_path, draft):
    """The whole example typed into Word (bullets as Word paragraphs) gives the same tasks."""
    from theodoi.parsing.readers import read_file

    from .builders import build_docx

    items = [f"{b.bullet} {b.text}" if b.bullet else b.text for b in read_file(example_path())]
    word = parse_file(build_docx(tmp_path / "example.docx", items))

    def tasks_of(program):
        return [
            (t.id, t.text, [(a.org, a.roles) for a in t.assignments], t.time.to_dict())
            for t in program.tasks
        ]

    assert tasks_of(word) == tasks_of(draft)
    assert [s.number for s in word.sections] == [s.number for s in draft.sections]
    assert (word.title, word.signer, word.recipients) == (
        draft.title,
        draft.signer,
        draft.recipients,
    )
