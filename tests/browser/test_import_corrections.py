"""Importing a damaged document and correcting it in a real browser (issue 17): a Quảng Ngãi
plan of the corpus, read perfectly as it is, copied with three kinds of damage a real file
has (a lead's heading cut, a time garbled, a task broken in two). The office uploads the
copy, corrects every damage on the draft page (the lead and a coordinator through the body
search, the time as a document writes it, the text, the two halves merged, a name the
registry does not know made a new body), reloads the page half-way, filters it, confirms;
then the program tree, the task pages, the lead body's page and the dashboard show exactly
what was set."""

from __future__ import annotations

import copy
import datetime as dt
import re
from pathlib import Path

import docx
from docx.text.paragraph import Paragraph
from playwright.sync_api import expect

from theodoi.parsing import parse_file

from .conftest import shot, sign_in

CORPUS = Path(__file__).resolve().parents[1] / "data" / "corpus" / "docx"
SOURCE = CORPUS / "16-quangngai-1627-qd-ubnd-kh-kiem-ke-tsc.docx"

HEADING = "1.2. Sở Tài chính - Cơ quan thường trực Ban Chỉ đạo"
CUT_HEADING = "1.2. Sở Tài chín - Cơ quan thường trực Ban Chỉ đạo"  # the lead's name cut
CUT_NAME = "Sở Tài chín - Cơ quan thường trực Ban Chỉ đạo"
TIMED = "IV.1.2/6"  # "... Thời gian hoàn thành: Trước ngày 31/5/2026."
TIME, GARBLED = "Trước ngày 31/5/2026", "Trước ngày 31/S/2O26"
SPLIT = "IV.1.4/6"  # broken in two at "báo cáo kết quả bằng văn bản ..."
SECOND_HALF = "IV.1.4/7"
CUT_AT = "báo cáo kết quả bằng văn bản"
STEERING = "Trưởng Ban Chỉ đạo"  # not in the registry: becomes a new body
NEW_BODY = "Ban Chỉ đạo tổng kiểm kê tài sản công tỉnh"


# ---- the damaged copy ----


def _paragraph(document, start: str) -> Paragraph:
    return next(p for p in document.paragraphs if p.text.startswith(start))


def _rewrite(paragraph: Paragraph, text: str) -> None:
    """The paragraph's text replaced, keeping its first run's formatting."""
    for run in paragraph.runs[1:]:
        run._r.getparent().remove(run._r)
    paragraph.runs[0].text = text


def damaged_copy(path: Path) -> Path:
    document = docx.Document(str(SOURCE))
    # (1) The lead's heading cut: "Sở Tài chính" loses its last letter.
    _rewrite(_paragraph(document, HEADING), CUT_HEADING)
    # (2) The time garbled as a bad scan or a hurried typist leaves it.
    timed = _paragraph(document, "- Tổng hợp kết quả kiểm kê, báo cáo kết quả kiểm kê gửi Bộ")
    _rewrite(timed, timed.text.replace(TIME, GARBLED))
    # (3) A task broken in two: a paragraph break (and Word's automatic dash) in its middle.
    whole = _paragraph(document, "- Tổng hợp kết quả kiểm kê, báo cáo kết quả kiểm kê theo từng")
    text = whole.text
    cut = text.index(CUT_AT)
    _rewrite(whole, text[:cut].rstrip())
    second = copy.deepcopy(whole._p)
    whole._p.addnext(second)
    _rewrite(Paragraph(second, whole._parent), "- " + text[cut:])
    document.save(str(path))
    return path


def _tasks(draft) -> dict:
    return {task.id: task for task in draft.tasks}


def _lead(task):
    return [a for a in task.assignments if "leads" in a.roles]


def check_the_damage(path: Path) -> dict:
    """The parser reads the original perfectly and the copy with the three damages; the
    original's tasks are returned (what the corrections must give back)."""
    original, damaged = _tasks(parse_file(SOURCE)), _tasks(parse_file(path))
    assert len(original) == 24 and len(damaged) == 25

    section = [t for t in original.values() if t.section == "IV.1.2"]
    assert len(section) == 6 and all(_lead(t)[0].id == "qn.stc" for t in section)
    for task in (t for t in damaged.values() if t.section == "IV.1.2"):
        assert [(a.org, a.id) for a in _lead(task)] == [(CUT_NAME, None)], task.id

    assert (original[TIMED].time.kind, original[TIMED].time.text) == ("deadline", TIME)
    assert damaged[TIMED].time.kind == "unknown" and GARBLED in damaged[TIMED].text

    assert SECOND_HALF not in original
    first, second = damaged[SPLIT], damaged[SECOND_HALF]
    assert f"{first.text} {second.text}" == original[SPLIT].text
    assert first.time.kind == "unknown" and second.time.text == original[SPLIT].time.text

    assert not [a for a in original["IV.1.1/1"].assignments if a.id]  # STEERING is unknown
    assert [a.org for a in original["IV.1.1/1"].assignments] == [STEERING]
    return original


# ---- the draft page ----


def row(page, task_id: str):
    return page.locator(f"tbody.task[data-task='{task_id}']")


def open_field(page, task_id: str, link: str, form: str):
    """Open one field of a task's row for editing (htmx swaps the row in place)."""
    row(page, task_id).get_by_role("link", name=link, exact=True).click()
    opened = row(page, task_id).locator(form)
    expect(opened.first).to_be_visible()
    return opened


def choose(scope, typed: str, code: str) -> None:
    """Type in a body search box (without diacritics) and pick ``code`` in the select below
    once the search has filled it with the matches (fewer than every body it starts with)."""
    search = scope.locator("input.body-search")
    select = scope.locator("select.body-choice")
    every = select.locator("option").count()
    search.fill(typed)
    expect(select.locator("option")).not_to_have_count(every)
    expect(select.locator(f"option[value='{code}']")).to_have_count(1)
    select.select_option(code)


def counts(page) -> dict[str, int]:
    cards = page.locator("#counts [data-count]")
    return {
        cards.nth(i).get_attribute("data-count"): int(cards.nth(i).inner_text())
        for i in range(cards.count())
    }


def test_a_damaged_document_is_corrected_on_the_draft_and_tracked_as_set(page, demo, tmp_path):
    path = damaged_copy(tmp_path / "ke-hoach-1627-hong.docx")
    original = check_the_damage(path)

    sign_in(page, demo, "vanphong")
    page.goto(demo["base"] + "/import/")
    page.locator("#id_document").set_input_files(str(path))
    page.get_by_role("button", name="Tải lên và đọc thử").click()
    page.wait_for_url(re.compile(r"/import/[0-9a-f]{32}/$"))
    draft_url = page.url
    assert counts(page)["tasks"] == 25 and counts(page)["corrections"] == 0
    expect(row(page, TIMED)).to_contain_text("không có kỳ nào")
    expect(page.locator(f"#names tr[data-name='{CUT_NAME}']")).to_have_count(1)
    shot(page, "import-1-draft")

    # The task with the garbled time: its lead set through the search (no diacritics), the
    # cut name the document gave it dropped, a coordinator added.
    lead_form = open_field(page, TIMED, "sửa cơ quan", "form.lead-form")
    choose(lead_form, "so tai chinh", "qn.stc")
    shot(page, "import-2-bodies-panel")
    lead_form.get_by_role("button", name="Đặt chủ trì").click()
    task = row(page, TIMED)
    expect(task.locator("li.lead[data-code='qn.stc']")).to_have_count(1)
    expect(task.locator("form.lead-form")).to_be_visible()  # open for the next correction
    cut = task.locator("ul.bodies > li.unknown", has_text=CUT_NAME)
    cut.get_by_role("button", name="bỏ cơ quan này").click()
    expect(task.locator("ul.bodies > li.unknown")).to_have_count(0)
    add_form = task.locator("form.add-body-form")
    choose(add_form, "xay dung", "qn.sxd")
    add_form.locator("select[name=role]").select_option("coordinates")
    add_form.get_by_role("button", name="Thêm").click()
    expect(task.locator("li[data-code='qn.sxd']")).to_contain_text("phối hợp")
    task.get_by_role("link", name="xong").click()
    expect(task.locator("form.lead-form")).to_have_count(0)

    # Its time, as the document writes it; its text, the garbled date fixed.
    time_form = open_field(page, TIMED, "sửa thời gian", "td.task-time form")
    time_form.locator("input[name=text]").fill(TIME)
    time_form.get_by_role("button", name="Lưu").click()
    expect(task.locator("ul.periods")).to_contain_text(re.compile("hạn 31/05/2026", re.I))
    text_form = open_field(page, TIMED, "sửa nội dung", "td.task-text form")
    area = text_form.locator("textarea[name=text]")
    area.fill(area.input_value().replace(GARBLED, TIME))
    text_form.get_by_role("button", name="Lưu").click()
    expect(task.locator("td.task-text p").first).to_have_text(original[TIMED].text)
    expect(task.locator("td.task-review .flag")).to_have_count(0)

    # Reloaded half-way: every correction is still there.
    page.reload()
    task = row(page, TIMED)
    expect(task.locator("li.lead[data-code='qn.stc']")).to_have_count(1)
    expect(task.locator("li[data-code='qn.sxd']")).to_contain_text("phối hợp")
    expect(task.locator("ul.periods")).to_contain_text(re.compile("hạn 31/05/2026", re.I))
    expect(task.locator("td.task-text p").first).to_have_text(original[TIMED].text)
    assert counts(page)["corrections"] == 5
    shot(page, "import-3-reloaded")

    # The names: the cut name is Sở Tài chính (not remembered as its other name); the
    # steering committee is a new body, under the province's People's Committee.
    names = page.locator("#names")
    mapping = names.locator(f"tr[data-name='{CUT_NAME}']")
    choose(mapping.locator("form.map-form"), "tai chinh", "qn.stc")
    mapping.locator("input[name=alias]").uncheck()
    mapping.get_by_role("button", name="Là cơ quan này").click()
    expect(mapping).to_have_attribute("data-decision", "map")
    expect(mapping).to_contain_text("Là: Sở Tài chính")
    for key in ("IV.1.2/1", "IV.1.2/5"):
        expect(row(page, key).locator("li.lead[data-code='qn.stc']")).to_have_count(1)
        expect(row(page, key).locator("td.task-review .flag")).to_have_count(0)  # answered
    expect(row(page, "IV.1.2/3").locator("td.task-review")).to_contain_text(
        "các cơ quan chuyên môn có liên quan"  # its other unknown name is still to decide
    )

    steering = names.locator(f"tr[data-name='{STEERING}']")
    steering.locator("details.create-body summary").click()
    create = steering.locator("details.create-body form")
    create.locator("input[name=body_name]").fill(NEW_BODY)
    create.locator("select[name=kind]").select_option("department")
    create.locator("select[name=level]").select_option("province")
    choose(create, "uy ban nhan dan tinh", "qn.ubnd")
    shot(page, "import-4-new-body")
    create.get_by_role("button", name="Tạo cơ quan").click()
    expect(steering).to_have_attribute("data-decision", "new")
    expect(steering).to_contain_text(f"Cơ quan mới: {NEW_BODY}")
    expect(row(page, "IV.1.1/1").locator("li.lead")).to_contain_text(NEW_BODY)
    expect(row(page, "IV.1.1/1").locator("li.lead .badge")).to_have_text("mới")

    # The two halves merged: one task again, with the document's text and time.
    assert row(page, SECOND_HALF).get_by_role("button").first.inner_text() == f"gộp vào {SPLIT}"
    row(page, SECOND_HALF).get_by_role("button", name=f"gộp vào {SPLIT}").click()
    expect(row(page, SECOND_HALF)).to_have_count(0)
    merged = row(page, SPLIT)
    expect(merged.locator("td.task-text")).to_contain_text(original[SPLIT].text[:200])
    expect(merged.locator("ul.periods")).to_contain_text(re.compile("hạn 15/04/2026", re.I))
    assert counts(page)["tasks"] == 24

    # The filter: only the tasks that still need a look.
    review = counts(page)["review"]
    page.locator("#only-review").check()
    visible = page.locator("tbody.task:visible")
    expect(visible).to_have_count(review)
    expect(row(page, TIMED)).to_be_hidden()
    expect(row(page, "IV.1.1/1")).to_be_visible()  # its time is still "không ghi"
    shot(page, "import-5-filtered")
    page.locator("#only-review").uncheck()
    expect(page.locator("tbody.task:visible")).to_have_count(24)
    shot(page, "import-6-corrected")

    # Confirmed: the program's page.
    page.get_by_role("button", name="Xác nhận nhập").click()
    page.wait_for_url(re.compile(r"/programs/\d+/"))
    program = int(re.search(r"/programs/(\d+)/", page.url).group(1))
    message = page.locator("ul.messages")
    expect(message).to_contain_text("Đã nhập chương trình 1627/QĐ-UBND")
    expect(message).to_contain_text("24 nhiệm vụ")
    expect(message).to_contain_text("Đã thêm 1 cơ quan mới vào danh mục.")
    assert "Đã ghi nhớ" not in message.inner_text()  # the cut name was not made an alias
    for number in ("IV.1.1", "IV.1.2", "IV.1.4"):  # the sections corrected, opened
        page.locator(f"details[id='s-{number}'] > summary").click()
        expect(page.locator(f"details[id='s-{number}'] > div.task").first).to_be_visible()
    tree = {}
    for key in (TIMED, SPLIT, "IV.1.1/1", "IV.1.2/1"):
        item = page.locator("div.task", has=page.locator("a.task-key", has_text=re.compile(
            f"^{re.escape(key)}$")))  # fmt: skip
        expect(item).to_have_count(1)
        tree[key] = item
    assert page.locator("a.task-key", has_text=SECOND_HALF).count() == 0
    expect(tree[TIMED].locator(".task-meta")).to_contain_text("Chủ trì: Sở Tài chính")
    expect(tree[TIMED].locator(".task-meta")).to_contain_text(f"Thời gian: {TIME}")
    expect(tree["IV.1.2/1"].locator(".task-meta")).to_contain_text("Chủ trì: Sở Tài chính")
    expect(tree["IV.1.1/1"].locator(".task-meta")).to_contain_text(f"Chủ trì: {NEW_BODY}")
    expect(tree[SPLIT].locator(".task-meta")).to_contain_text("Thời gian: Trước ngày 15/4/2026")
    shot(page, "import-7-program")
    links = {key: item.locator("a.task-key").get_attribute("href") for key, item in tree.items()}

    # The task pages.
    page.goto(demo["base"] + links[TIMED])
    expect(page.locator(".task-text-full p").first).to_have_text(original[TIMED].text)
    expect(page.locator(".task-text-full")).to_contain_text("Chủ trì: Sở Tài chính")
    roles = page.locator("#roles tbody tr")
    expect(roles).to_have_count(2)
    expect(roles.filter(has_text="Sở Tài chính")).to_contain_text("chủ trì")
    expect(roles.filter(has_text="Sở Xây dựng").locator("td").nth(1)).to_have_text("phối hợp")
    expect(page.locator("#time")).to_contain_text(TIME)
    expect(page.locator("#time tbody td[data-label='Hạn']")).to_have_text(["31/05/2026"])
    assert page.locator(".notice.warning").count() == 0  # lead and time are known
    shot(page, "import-8-task")

    page.goto(demo["base"] + links[SPLIT])
    expect(page.locator(".task-text-full p").first).to_have_text(original[SPLIT].text)
    expect(page.locator("#time tbody td[data-label='Hạn']")).to_have_text(["15/04/2026"])

    page.goto(demo["base"] + links["IV.1.1/1"])
    expect(page.locator(".task-text-full")).to_contain_text(f"Chủ trì: {NEW_BODY}")
    page.locator("#roles").get_by_role("link", name=NEW_BODY).click()
    page.wait_for_load_state()
    expect(page.locator("main h1")).to_have_text(NEW_BODY)
    expect(page.locator("main p.muted").first).to_contain_text(
        "Sở, ban, ngành · cấp tỉnh · trực thuộc Ủy ban nhân dân tỉnh"
    )

    # The lead body's work in this program: the six tasks of its section, IV.1.2/6 due
    # 31/05/2026 (so overdue by now).
    page.goto(demo["base"] + f"/organizations/qn.stc/?program={program}")
    assert page.locator("[data-figure='tasks']").inner_text() == "6"
    work = page.locator("#assignments tbody tr")
    expect(work).to_have_count(6)
    due = work.filter(has=page.get_by_role("link", name=TIMED, exact=True))
    expect(due.locator("td").nth(1)).to_have_text("chủ trì")
    expect(due.locator(".occ")).to_have_count(1)
    expect(due.locator(".occ")).to_contain_text("31/05/2026")
    expect(due.locator(".occ")).to_contain_text(re.compile("quá hạn", re.I))
    stc_total = int(page.locator("[data-figure='total']").inner_text())
    shot(page, "import-9-lead-body")

    # The dashboard's figures for the program: the coordinator owes one deadline, past; the
    # lead body's row is its page's.
    page.goto(demo["base"] + f"/dashboard/?program={program}")
    bodies = page.locator(".panel", has=page.get_by_role("heading", name="Theo cơ quan"))
    sxd = bodies.locator("tbody tr", has=page.get_by_role("link", name="Sở Xây dựng"))
    expect(sxd.locator("td.num")).to_have_text(["1", "1", "0", "1", "0%"])
    stc = bodies.locator("tbody tr", has=page.get_by_role("link", name="Sở Tài chính"))
    expect(stc.locator("td.num").first).to_have_text(str(stc_total))
    assigned = [int(n) for n in bodies.locator("tbody tr td.num:nth-child(2)").all_inner_texts()]
    assert int(page.locator("[data-figure='total']").inner_text()) == sum(assigned)
    assert int(page.locator("[data-figure='open_overdue']").inner_text()) >= stc_total + 1
    shot(page, "import-10-dashboard")

    # Tracked now: the office changes the timed task's lead and moves its deadline, each a
    # new version of the program with its diff.
    why = "Theo kết luận của Ban Chỉ đạo tổng kiểm kê."
    later = f"Quý IV/{dt.date.today().year + 1}"
    page.goto(demo["base"] + links[TIMED])
    page.locator("#amend summary", has_text="Đổi cơ quan chủ trì").click()
    lead = page.locator("#amend-lead")
    lead.locator("select[name=lead]").select_option("qn.sxd")
    lead.locator("textarea[name=reason]").fill(why)
    lead.get_by_role("button", name="Lưu cơ quan chủ trì").click()
    expect(page.locator("#task-amendable")).to_contain_text("lần điều chỉnh thứ 2")
    page.locator("#amend-time summary").click()
    page.locator("#amend-time input[name=time]").fill(later)
    expect(page.locator("#amend-time")).to_contain_text(f"Hạn 31/12/{dt.date.today().year + 1}")
    page.locator("#amend-time textarea[name=reason]").fill(why)
    page.locator("#amend-time").get_by_role("button", name="Lưu thời gian").click()
    expect(page.locator("#task-amendable")).to_contain_text("lần điều chỉnh thứ 3")
    expect(page.locator("#time")).to_contain_text(f"31/12/{dt.date.today().year + 1}")
    page.get_by_role("link", name="Mọi lần điều chỉnh của chương trình").click()
    lead_line = page.locator("#v2 tbody tr", has_text=TIMED).locator("td")
    expect(lead_line.nth(1)).to_contain_text("Cơ quan chủ trì")
    expect(lead_line.nth(2)).to_have_text("Sở Tài chính")
    expect(lead_line.nth(3)).to_have_text("Sở Xây dựng")
    time_line = page.locator("#v3 tbody tr", has_text=TIMED).locator("td")
    expect(time_line.nth(2)).to_have_text(TIME)
    expect(time_line.nth(3)).to_have_text(later)
    expect(page.locator("#v3")).to_contain_text(why)
    shot(page, "import-11-versions")

    # The draft is gone once confirmed.
    page.goto(draft_url)
    page.wait_for_url("**/import/")
    assert page.dialogs == []
