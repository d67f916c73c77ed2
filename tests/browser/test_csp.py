"""The Content-Security-Policy in a real browser: every main page, the work list's htmx row,
the report preview, the lockout page, the admin and the API documentation load under the
strict policy ('self' only, no inline script or style) with nothing refused by the browser
and nothing written to its console."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from .conftest import sign_in, sign_out

DOCUMENT = (
    Path(__file__).resolve().parents[1]
    / "data/corpus/docx/16-quangngai-1627-qd-ubnd-kh-kiem-ke-tsc.docx"
)

# Playwright's init script, injected by the browser's debugger (the page's CSP does not apply
# to it): every violation the page reports is passed back to the test.
LISTEN = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.reportViolation(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


def test_no_page_breaks_the_content_security_policy(browser, demo):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    context.set_default_timeout(30_000)
    violations: list[str] = []
    console: list[str] = []
    context.expose_binding("reportViolation", lambda source, text: violations.append(text))
    context.add_init_script(LISTEN)
    page = context.new_page()
    where = {"url": ""}
    page.on("console", lambda m: console.append(f"{where['url']}: {m.type}: {m.text}"))
    page.on("pageerror", lambda error: console.append(f"{where['url']}: pageerror: {error}"))
    failed: set[str] = set()  # resources answered with an error, by path
    page.on(
        "response",
        lambda r: failed.add(r.url.split("//", 1)[1].split("/", 1)[1]) if r.status >= 400 else None,
    )

    def problems() -> list[str]:
        """Console lines, less the browser's note on /favicon.ico, which theodoi does not have
        and Chromium asks for by itself (outside the page's requests, so not in ``failed``).
        Every resource the pages asked for loaded."""
        assert failed <= {"favicon.ico"}, failed
        return [line for line in console if "Failed to load resource" not in line]

    def visit(path: str) -> None:
        where["url"] = path
        response = page.goto(demo["base"] + path)
        assert response is not None and response.status < 400, (path, response and response.status)
        assert "script-src 'self'" in response.headers["content-security-policy"], path
        page.wait_for_load_state("networkidle")

    # The administrator sees every page.
    where["url"] = "/login/"
    sign_in(page, demo, "quantri")
    visit("/programs/")
    program = page.locator("main a[href^='/programs/']").first.get_attribute("href")
    visit(program)
    task = page.locator("main a[href^='/tasks/']").first.get_attribute("href")
    preview = (
        f"/reports/?program={program.strip('/').split('/')[-1]}&period=2021-Q2&date=2021-07-05"
    )
    for path in (
        "/dashboard/",
        task,
        "/review/",
        "/organizations/",
        "/organizations/qn.btctu/",
        "/search/?q=du+lich",
        "/import/",
        "/notifications/",
        "/plans/",
        "/evaluation/",
        "/account/tokens/",
        "/account/two-factor/",
        "/admin/",
        "/admin/auth/user/",
        "/api/docs",
    ):
        visit(path)
    # The report preview is styled by its own stylesheet, not left bare.
    visit(preview)
    font = page.locator("#report-document").evaluate("e => getComputedStyle(e).fontFamily")
    assert "Times New Roman" in font
    # Swagger UI drew the operations (its scripts ran).
    visit("/api/docs")
    page.locator(".opblock").first.wait_for()
    assert violations == [] and problems() == []  # so far: say which part broke it

    # The import draft: a document uploaded, a task's bodies opened in place, the body
    # search run (htmx fills the select), a row's field opened and closed.
    visit("/import/")
    page.locator("#id_document").set_input_files(str(DOCUMENT))
    page.get_by_role("button", name="Tải lên và đọc thử").click()
    page.wait_for_url(re.compile(r"/import/[0-9a-f]{32}/$"))
    visit(page.url.split(demo["base"], 1)[1])
    first = page.locator("tbody.task").first
    first.get_by_role("link", name="sửa cơ quan").click()
    options = first.locator("form.lead-form option")
    every = options.count()
    first.locator("form.lead-form input.body-search").fill("tai chinh")
    expect(options).not_to_have_count(every)
    expect(first.locator("form.lead-form option[value='qn.stc']")).to_have_count(1)
    first.get_by_role("link", name="xong").click()
    expect(first.locator("form.lead-form")).to_have_count(0)
    page.locator("#only-review").check()
    page.wait_for_load_state("networkidle")
    assert violations == [] and problems() == []
    visit("/dashboard/")
    sign_out(page)

    # A body's staff: the work list and its report form, fetched by htmx into the row.
    sign_in(page, demo, "canbo")
    visit("/work/")
    row = page.locator("tbody.work-row").first
    row.get_by_role("link", name="Báo cáo").click()
    page.locator("tbody.work-row form").first.wait_for()
    sign_out(page)

    assert violations == [] and problems() == []
    # The lockout page, after five wrong passwords: its 429 is a failed load for the browser,
    # so from here only what the policy refused counts.
    console.clear()
    where["url"] = "/login/ (locked)"
    for _ in range(5):
        page.goto(demo["base"] + "/login/")
        page.fill("#id_username", "lanhdao")
        page.fill("#id_password", "sai-mat-khau")
        page.click("main button[type=submit]")
        page.wait_for_load_state()
    assert "Tạm khóa đăng nhập" in page.locator("main").inner_text()

    context.close()
    assert violations == []
    assert not [line for line in console if "Refused" in line or "Content Security" in line]
