"""The day's work in a real browser: Ban Tổ chức's staff report a task done with a document
number and a file; the office finds it in its review queue and confirms it; the dashboard's
figures move; the language switches; search ignores diacritics; what people type is shown as
text, never run."""

from __future__ import annotations

import datetime as dt
import re
import urllib.parse
from zoneinfo import ZoneInfo

from fpdf import FPDF
from playwright.sync_api import expect

from .conftest import shot, sign_in, sign_out

TASK = "B.III.1.3/2"  # Ban Tổ chức leads it; due 31/03/2021, so overdue and listed first


def a_pdf(path) -> str:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.cell(0, 10, "Ke hoach so 05-KH/TU")
    pdf.output(str(path))
    return str(path)


def figure(page, name: str) -> int:
    return int(page.locator(f"[data-figure='{name}']").inner_text())


def test_a_report_goes_from_a_body_to_the_office_and_into_the_figures(page, demo, tmp_path):
    # The office's figures before, as of today: the example's term is over, so the dashboard
    # would otherwise show it as of its end, before this late report was confirmed.
    today = dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()  # the server's day
    today_figures = demo["base"] + f"/dashboard/?as_of={today:%d/%m/%Y}"
    sign_in(page, demo, "vanphong")
    page.goto(today_figures)
    done_before = figure(page, "done_on_time") + figure(page, "done_late")
    overdue_before = figure(page, "open_overdue")
    sign_out(page)

    # The head of Ban Tổ chức: their work list, the task, the report form inline (the head
    # signs and sends to the office; staff's reports wait for the head's sign-off, on by default).
    sign_in(page, demo, "truongban")
    assert page.url.endswith("/work/")
    shot(page, "1-my-work")
    row = page.locator("tbody.work-row", has_text=TASK).first
    row.get_by_role("link", name="Báo cáo").click()
    form = page.locator(f"tbody.work-row:has-text('{TASK}') form").first
    form.locator("[name=state][value=done]").check()
    form.locator("[name=done_on]").fill("2021-03-25")
    form.locator("[name=narrative]").fill(
        "Đã ban hành Kế hoạch số 05-KH/TU. <script>alert('xss')</script>"
    )
    form.locator("[name=document_type]").fill("Kế hoạch")
    form.locator("[name=document_number]").fill("05-KH/TU")
    form.locator("[name=document_date]").fill("2021-03-25")
    form.locator("[name=file]").set_input_files(a_pdf(tmp_path / "ke-hoach.pdf"))
    shot(page, "2-report-form")
    form.locator("button[value=send]").click()
    row = page.locator("tbody.work-row", has_text=TASK).first
    expect(row).to_contain_text(re.compile("chờ xác nhận", re.I))
    shot(page, "3-report-sent")
    sign_out(page)

    # The office: the review queue shows it, with its document and file; confirm it.
    sign_in(page, demo, "vanphong")
    page.goto(demo["base"] + "/review/")
    item = page.locator("article.review-item", has_text="05-KH/TU").first
    item.wait_for()
    assert "ke-hoach.pdf" in page.content()
    assert "<script>alert('xss')</script>" in page.locator("main").inner_text()
    shot(page, "4-review-queue")
    decision = page.locator(f"#{item.get_attribute('id')} form.decision")
    item.get_by_role("button", name="Xác nhận").click()
    expect(decision).to_have_count(0)  # htmx replaced the item with the decision
    page.goto(demo["base"] + "/review/")
    assert "05-KH/TU" not in page.locator("main").inner_text()

    # The dashboard's figures moved: one more done, one fewer overdue.
    page.goto(today_figures)
    assert figure(page, "done_on_time") + figure(page, "done_late") == done_before + 1
    assert figure(page, "open_overdue") == overdue_before - 1
    shot(page, "5-dashboard")

    # The task page shows the report and its review history.
    page.goto(demo["base"] + "/search/?q=" + TASK)
    page.get_by_role("link", name=TASK).first.click()
    page.wait_for_load_state()
    assert "05-KH/TU" in page.locator("main").inner_text()
    shot(page, "6-task")
    assert page.dialogs == []  # the typed script never ran


def test_the_language_switches_and_search_ignores_diacritics(page, demo):
    sign_in(page, demo, "vanphong")
    page.goto(demo["base"] + "/search/?q=du+lich")
    text = page.locator("main").inner_text()
    assert "B.III.3.3" in text and "du lịch" in text.lower()
    shot(page, "7-search")

    page.locator("button[name=language][value=en]").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Search" in page.locator("header").inner_text()
    page.goto(demo["base"] + "/dashboard/")
    assert "Overview" in page.locator("main h1").inner_text()
    shot(page, "8-dashboard-en")
    page.locator("button[name=language][value=vi]").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "vi"


def test_every_page_fits_a_phone(browser, demo):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    phone = context.new_page()
    sign_in(phone, demo, "vanphong")
    for path in (
        "/dashboard/",
        "/programs/",
        "/review/",
        "/search/?q=du+lich",
        "/reports/",
        "/reports/?kind=periodic&period=2021-Q1",
        "/plans/",
        "/evaluation/",
    ):
        phone.goto(demo["base"] + path)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 400, f"{path} is {width}px wide on a 390px screen"
    shot(phone, "9-phone-search")
    context.close()


def test_a_refused_or_expired_request_says_so(page, demo):
    sign_in(page, demo, "canbo")
    assert page.url.endswith("/work/")
    # A partial request the server refuses (staff may not open the dashboard): the reason
    # the server gives appears at the top of the page instead of nothing happening.
    page.evaluate("htmx.ajax('GET', '/dashboard/', {target: 'main'})")
    alert = page.locator("#request-error")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("dành cho Văn phòng và lãnh đạo")
    assert "B.III" in page.locator("main").inner_text()  # the work list is still there
    shot(page, "10-refused")

    # The session ends while the page is open: the next click leads to the login page,
    # which returns to the work list, rather than a login form inside a table row.
    page.context.clear_cookies()
    page.locator("tbody.work-row td.actions a").first.click()
    page.wait_for_url(re.compile(r"/login/\?next="))
    assert urllib.parse.unquote(page.url).endswith("/login/?next=/work/")
    assert page.locator("#id_username").count() == 1
