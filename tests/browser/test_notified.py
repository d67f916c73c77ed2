"""People are told, in a real browser: the office returns a report of Ban Tổ chức with a
comment, its staff finds the notification and reads the comment through its link; the office
urges a body from the list of bodies (the overdue list) and the letter downloads as a DOCX
that lists the overdue items."""

from __future__ import annotations

import io
import re

from docx import Document
from playwright.sync_api import expect

from .conftest import shot, sign_in, sign_out

TASK = "B.III.1.3/2"  # Ban Tổ chức leads it; due 31/03/2021, overdue
NARRATIVE = "Đang lấy ý kiến các huyện ủy về dự thảo kế hoạch (thử thông báo)."
COMMENT = "Đề nghị nêu rõ số huyện ủy đã góp ý và thời hạn ban hành."


def test_a_return_is_notified_and_its_comment_read_through_the_link(page, demo):
    # The head of Ban Tổ chức reports progress and sends it.
    sign_in(page, demo, "truongban")
    page.goto(demo["base"] + "/work/")
    row = page.locator("tbody.work-row", has_text=TASK).first
    row.get_by_role("link", name="Báo cáo").click()
    form = page.locator(f"tbody.work-row:has-text('{TASK}') form").first
    form.locator("[name=state][value=in_progress]").check()
    form.locator("[name=percent]").fill("60")
    form.locator("[name=narrative]").fill(NARRATIVE)
    form.locator("button[value=send]").click()
    expect(page.locator("tbody.work-row", has_text=TASK).first).to_contain_text(
        re.compile("chờ xác nhận", re.I)
    )
    sign_out(page)

    # The office returns it with a comment.
    sign_in(page, demo, "vanphong")
    page.goto(demo["base"] + "/review/")
    item = page.locator("article.review-item", has_text="thử thông báo").first
    item.wait_for()
    item.locator("textarea[name=comment]").fill(COMMENT)
    item.get_by_role("button", name="Trả lại").click()
    expect(page.locator(f"#{item.get_attribute('id')} form.decision")).to_have_count(0)
    sign_out(page)

    # Ban Tổ chức's staff is told at once and follows the notification's link.
    sign_in(page, demo, "canbo")
    page.goto(demo["base"] + "/notifications/")
    notice = page.locator("main .panel p", has_text="trả lại báo cáo").first
    expect(notice).to_contain_text(COMMENT)
    expect(notice).to_contain_text("Báo cáo bị trả lại")
    shot(page, "notified-1-notifications")
    notice.get_by_role("link", name="Xem").click()
    page.wait_for_load_state()
    assert "/tasks/" in page.url and "#report-" in page.url
    report = page.locator(page.url[page.url.index("#") :])
    expect(report).to_contain_text(COMMENT)
    expect(report).to_contain_text(NARRATIVE)
    shot(page, "notified-2-task")


def test_the_office_urges_from_the_overdue_list_and_downloads_the_letter(page, demo, tmp_path):
    sign_in(page, demo, "vanphong")
    page.goto(demo["base"] + "/organizations/?sort=overdue")
    row = page.locator("#bodies tbody tr[data-body='qn.btctu']")
    row.locator("button[data-urge='qn.btctu']").click()
    page.wait_for_url("**/urgings/*/")
    expect(page.locator(".messages")).to_contain_text("Đã đôn đốc Ban Tổ chức Tỉnh ủy")
    listed = page.locator("#urged-items tbody tr")
    count = listed.count()
    assert count > 0
    shot(page, "notified-3-urging")
    with page.expect_download() as info:
        page.locator("#urging-letter").click()
    path = tmp_path / "don-doc.docx"
    info.value.save_as(path)
    assert info.value.suggested_filename.endswith(".docx")
    doc = Document(io.BytesIO(path.read_bytes()))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Kính gửi: Ban Tổ chức Tỉnh ủy." in text
    rows = [[c.text for c in r.cells] for t in doc.tables for r in t.rows]
    items = [r for r in rows if r and r[0].isdigit()]
    assert len(items) == count
    first_on_page = listed.first.locator("td").nth(0).inner_text()
    assert items[0][1].startswith(first_on_page.split()[0])  # the same task first
    assert any(r[4].isdigit() and int(r[4]) > 0 for r in items)  # days overdue
    assert items[0][3] == listed.first.locator("td").nth(2).inner_text()  # the due date
    sign_out(page)

    # The body's staff is told at once.
    sign_in(page, demo, "canbo")
    page.goto(demo["base"] + "/notifications/")
    expect(page.locator("main .panel").first).to_contain_text("Văn phòng đôn đốc cơ quan")
    shot(page, "notified-4-urged")
