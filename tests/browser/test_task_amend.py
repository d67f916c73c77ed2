"""The office amends a task in a real browser: the red flag's form designates the lead, the
time typed is shown as understood before it is saved, and each change redraws the task's
block in place (htmx), with nothing refused by the Content-Security-Policy."""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import expect

from .conftest import shot, sign_in

WHY = "Theo ý kiến của Thường trực Tỉnh ủy."


def test_the_office_designates_a_lead_and_sets_a_time_in_place(page, demo):
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    sign_in(page, demo, "vanphong")
    page.goto(demo["base"] + "/programs/")
    page.locator("main a[href^='/programs/']").first.click()
    task = page.locator("main a[href^='/tasks/']", has_text="B.III.1.1/2").first
    page.goto(demo["base"] + task.get_attribute("href"))  # its section starts folded
    flag = page.locator("#needs-lead")
    expect(flag).to_contain_text("Văn phòng cần chỉ định cơ quan chủ trì")
    shot(page, "amend-1-flag")

    flag.locator("select[name=lead]").select_option("qn.btgtu")
    flag.locator("textarea[name=reason]").fill(WHY)
    flag.get_by_role("button", name="Chỉ định cơ quan chủ trì").click()
    block = page.locator("#task-amendable")
    expect(block).to_contain_text("Đã lưu: lần điều chỉnh thứ 2 của chương trình.")
    expect(page.locator("#needs-lead")).to_have_count(0)
    expect(page.locator("#amendments")).to_contain_text(WHY)
    shot(page, "amend-2-lead")

    year = dt.date.today().year + 1
    page.locator("#amend-time summary").click()
    field = page.locator("#amend-time input[name=time]")
    field.fill(f"Quý IV/{year}")
    expect(page.locator("#amend-time")).to_contain_text(f"Hạn 31/12/{year}")  # the preview
    page.locator("#amend-time textarea[name=reason]").fill(WHY)
    page.locator("#amend-time").get_by_role("button", name="Lưu thời gian").click()
    expect(block).to_contain_text("lần điều chỉnh thứ 3")
    expect(page.locator("#time")).to_contain_text(f"31/12/{year}")
    expect(page.locator("#work")).to_contain_text(f"31/12/{year}")  # redrawn out of band
    shot(page, "amend-3-time")

    page.get_by_role("link", name="Mọi lần điều chỉnh của chương trình").click()
    third = page.locator("#v3")
    expect(third).to_contain_text("Văn phòng")  # made by the office, not a document
    expect(third).to_contain_text(WHY)
    row = third.locator("tbody tr", has_text="B.III.1.1/2")
    cells = row.locator("td")
    expect(cells.nth(1)).to_contain_text("Thời gian")
    expect(cells.nth(3)).to_have_text(f"Quý IV/{year}")  # after
    expect(cells.nth(2)).not_to_have_text(f"Quý IV/{year}")  # before: the time as it was
    expect(page.locator("#v2")).to_contain_text("Ban Tuyên giáo Tỉnh ủy")  # the lead set
    shot(page, "amend-4-versions")
    assert not [line for line in console if "Refused" in line or "Content Security" in line]
    assert not [line for line in console if line.startswith("pageerror")]
