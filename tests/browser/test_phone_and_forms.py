"""Forms and pages as people see them in Chromium: a day typed dd/mm/yyyy in an English browser
is stored as that day, the file picker speaks Vietnamese, every table cell on a 390 px phone
says its column, chart text stays readable, the evaluation table fits a 1366 px screen, and no
status word is shown twice."""

from __future__ import annotations

import re
import sqlite3

from fpdf import FPDF
from playwright.sync_api import expect

from .conftest import shot, sign_in, sign_out

TASK = "B.III.1.3/2"  # Ban Tổ chức leads it; due 31/03/2021
DOUBLED = re.compile(
    r"(Trả lại|Chờ xác nhận|Đã xác nhận|Đang soạn|Chờ thủ trưởng ký duyệt|dữ liệu minh họa)"
    r"\s*·?\s*\1"
)

# Every visible cell of a stacked table that does not span the whole row, with the label its
# ::before shows (CSS content, quotes and all) and its column's heading.
CELLS = """
() => {
  const out = [];
  for (const table of document.querySelectorAll("table.stack")) {
    const head = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
    if (!head) continue;
    const names = [];
    for (const th of head.cells) for (let k = 0; k < th.colSpan; k++) names.push(th.textContent.trim());
    for (const body of table.tBodies) for (const row of body.rows) {
      let column = 0;
      for (const cell of row.cells) {
        const span = cell.colSpan;
        const box = cell.getBoundingClientRect();
        if (span < names.length && names[column] && box.width > 0 && cell.textContent.trim()) {
          out.push({
            head: names[column],
            before: getComputedStyle(cell, "::before").content,
            display: getComputedStyle(cell).display,
            text: cell.textContent.trim().slice(0, 40),
          });
        }
        column += span;
      }
    }
  }
  return out;
}
"""

# The smallest size, in screen pixels, of any text of the page's charts.
CHART_TEXT = """
() => Math.min(...Array.from(document.querySelectorAll("main svg text")).map(
  (t) => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a))
"""


def a_pdf(path) -> str:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.cell(0, 10, "Ke hoach so 05-KH/TU")
    pdf.output(str(path))
    return str(path)


def english_page(browser, **size):
    context = browser.new_context(
        viewport=size or {"width": 1280, "height": 900}, locale="en-US", timezone_id="UTC"
    )
    context.set_default_timeout(20_000)
    return context, context.new_page()


def assert_cells_labelled(page, where: str) -> int:
    cells = page.evaluate(CELLS)
    for cell in cells:
        assert cell["display"] == "block", (where, cell)  # stacked, one per line
        assert cell["before"] not in ("none", "normal", ""), (where, cell)
        assert cell["head"] in cell["before"], (where, cell)
    return len(cells)


def test_a_day_typed_dd_mm_yyyy_in_an_english_browser_and_the_vietnamese_file_picker(
    browser, demo, tmp_path
):
    context, page = english_page(browser)
    sign_in(page, demo, "truongban")  # the head: what they send goes to the office at once
    # The browser stays en-US (its own date field would read mm/dd/yyyy); the app speaks
    # Vietnamese, as chosen in its header.
    if page.locator("html").get_attribute("lang") != "vi":
        page.locator("button[name=language][value=vi]").click()
        page.wait_for_load_state()
    assert page.evaluate("navigator.language") == "en-US"
    row = page.locator("tbody.work-row", has_text=TASK).first
    row.get_by_role("link", name="Báo cáo").click()
    form = page.locator(f"tbody.work-row:has-text('{TASK}') form").first
    done_on = form.locator("[name=done_on]")
    assert done_on.get_attribute("type") == "text"
    assert done_on.get_attribute("placeholder") == "dd/mm/yyyy"

    # The file picker: the browser's own words are hidden, ours are shown.
    picker = form.locator(".file-pick")
    expect(picker.locator("label.pick")).to_be_visible()
    expect(picker.locator("label.pick")).to_have_text("Chọn tệp")
    expect(picker.locator(".file-names")).to_have_text("Chưa chọn tệp nào")
    native = picker.locator("input[type=file]").bounding_box()
    assert native is not None and native["width"] <= 1 and native["height"] <= 1

    form.locator("[name=state][value=done]").check()
    form.locator("[name=percent]").fill("100")
    done_on.press_sequentially("05/03/2021")  # 5 March; an mm/dd reading is 3 May
    form.locator("[name=narrative]").fill("Đã ban hành Kế hoạch số 05-KH/TU.")
    form.locator("[name=document_type]").fill("Kế hoạch")
    form.locator("[name=document_number]").fill("05-KH/TU")
    form.locator("[name=document_date]").press_sequentially("04/03/2021")
    form.locator("[name=file]").set_input_files(a_pdf(tmp_path / "ke-hoach.pdf"))
    expect(picker.locator(".file-names")).to_have_text("Đã chọn: ke-hoach.pdf")
    shot(page, "phone-forms-1-report-form-en-US")

    # A day in the wrong shape is refused by the field in Vietnamese, before anything is sent.
    document_date = form.locator("[name=document_date]")
    document_date.fill("March 4, 2021")
    form.locator("button[value=send]").click()
    message = document_date.evaluate("e => e.validationMessage")
    assert "dd/mm/yyyy" in message and "Ghi ngày" in message, message
    document_date.fill("04/03/2021")
    form.locator("button[value=send]").click()
    row = page.locator("tbody.work-row", has_text=TASK).first
    expect(row).to_contain_text(re.compile("chờ xác nhận", re.I))

    database = sqlite3.connect(demo["folder"] / "theodoi.sqlite3")
    try:
        stored = database.execute(
            "SELECT done_on, document_date FROM tracking_progressreport "
            "WHERE document_number = '05-KH/TU'"
        ).fetchall()
    finally:
        database.close()
    assert stored == [("2021-03-05", "2021-03-04")]
    sign_out(page)

    # The office sees the day as typed, returns the report; status words are not doubled.
    sign_in(page, demo, "vanphong")
    page.goto(demo["base"] + "/review/")
    item = page.locator("article.review-item", has_text="05-KH/TU").first
    expect(item).to_contain_text("05/03/2021")
    assert not DOUBLED.search(page.locator("main").inner_text())
    shot(page, "phone-forms-2-review-queue")
    item.locator("textarea[name=comment]").fill("Bổ sung bản chụp Kế hoạch.")
    item.get_by_role("button", name="Trả lại").click()
    expect(page.locator("article.review-item.done")).to_have_count(1)
    sign_out(page)

    sign_in(page, demo, "truongban")
    page.goto(demo["base"] + "/work/")
    row = page.locator("tbody.work-row", has_text=TASK).first
    expect(row).to_contain_text("Trả lại")
    status = row.locator("tr").first.locator("td").nth(4).inner_text()
    assert status.count("Trả lại") == 1, status
    assert not DOUBLED.search(page.locator("main").inner_text())
    shot(page, "phone-forms-3-work-list-returned")
    context.close()


def test_every_table_cell_says_its_column_on_a_phone(browser, demo):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    phone = context.new_page()
    sign_in(phone, demo, "vanphong")
    phone.goto(demo["base"] + "/dashboard/")
    assert assert_cells_labelled(phone, "dashboard") > 20
    shot(phone, "phone-forms-4-dashboard")
    # Chart text at least 10 px on the screen (11 px units shrunk to a 390 px screen are 6).
    assert phone.evaluate(CHART_TEXT) >= 10
    for path in (
        "/programs/",
        "/search/?q=du+lich",
        "/organizations/",
        "/plans/",
        "/evaluation/",
        "/notifications/",
        "/review/",
    ):
        phone.goto(demo["base"] + path)
        assert_cells_labelled(phone, path)
    phone.goto(demo["base"] + "/organizations/")
    shot(phone, "phone-forms-5-organizations")
    sign_out(phone)

    sign_in(phone, demo, "canbo")
    assert phone.url.endswith("/work/")
    assert assert_cells_labelled(phone, "work list") > 10
    assert not DOUBLED.search(phone.locator("main").inner_text())
    shot(phone, "phone-forms-6-work-list")
    context.close()


def test_the_evaluation_table_fits_a_1366_px_screen(browser, demo):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    page = context.new_page()
    sign_in(page, demo, "vanphong")
    page.goto(demo["base"] + "/evaluation/")
    shot(page, "phone-forms-7-evaluation-1366")
    assert page.locator("main table").count() >= 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    wide = page.evaluate(
        "Array.from(document.querySelectorAll('main .panel, main table'))"
        ".filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.className || e.tagName)"
    )
    assert wide == [], wide
    context.close()
