"""The programs list, a program's tree and a task's page, on the example program: what each
account sees, statuses as of a date, evidence behind the policy, escaping, query counts."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from theodoi.orgs.models import Organization
from theodoi.programs.models import Assignment, Occurrence, Program, Task
from theodoi.tracking.evidence import attach_file
from theodoi.tracking.extensions import decide_extension, request_extension
from theodoi.tracking.models import Membership, ProgressReport, Role
from theodoi.tracking.reports import review_report, save_report, submit_report
from theodoi.tracking.rollup import worst_bucket
from theodoi.tracking.status import Tally

KEY = "B.III.1.3/2"  # Ban Tổ chức Tỉnh ủy chủ trì, Ban cán sự đảng UBND tỉnh phối hợp; quý I/2021
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def at(year: int, month: int, day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=timezone.get_default_timezone())


def page(client, url: str, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def text_of(fragment: str) -> str:
    """The visible words of some HTML, with runs of space made one."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def task_block(content: str, task: Task) -> str:
    """A task's row in the tree, as words."""
    start = content.index(f'id="t-{task.pk}"')
    end = content.index("</p>\n</div>", content.index("task-meta", start))
    return text_of(content[start:end])


def section_summary(content: str, number: str) -> str:
    start = content.index(f'id="s-{number}"')
    return text_of(content[start : content.index("</summary>", start)])


def lead_occurrence(task: Task) -> Occurrence:
    return Occurrence.objects.get(assignment__task=task, assignment__organization=task.lead)


def report_done(staff, monitor, occurrence, *, narrative="Đã ban hành Kế hoạch số 12-KH/TU."):
    """The lead's staff reports the occurrence done on 20/3/2021; the office confirms on 25/3."""
    report = save_report(
        user=staff, occurrence=occurrence, expected_version=None, state="done",
        done_on=dt.date(2021, 3, 20), narrative=narrative, now=at(2021, 3, 20),
    )  # fmt: skip
    report = submit_report(
        user=staff, report=report, expected_version=report.version, now=at(2021, 3, 22)
    )
    return review_report(
        user=monitor, report=report, expected_version=report.version, accept=True,
        now=at(2021, 3, 25),
    )  # fmt: skip


def member(username: str, code: str, role: str = Role.STAFF):
    user = get_user_model().objects.create_user(username, password="mat-khau-thu")
    Membership.objects.create(
        user=user, organization=Organization.objects.get(code=code), role=role
    )
    return user


@pytest.fixture
def task(example) -> Task:
    return Task.objects.select_related("lead").get(program=example, key=KEY)


# --- The programs list -----------------------------------------------------------------------


def test_programs_lists_the_example_with_a_link_to_its_tree(client_for, example):
    content = page(client_for("staff"), reverse("web:programs"))
    assert example.number in content
    assert reverse("web:program", args=[example.pk]) in content
    assert "2020–2025" in content
    assert str(example.tasks.filter(withdrawn_in__isnull=True).count()) in content


def test_pages_need_a_member(client, users, example):
    for url in (reverse("web:programs"), reverse("web:program", args=[example.pk])):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


# --- The tree ------------------------------------------------------------------------------


def test_tree_lists_every_task_and_section(client_for, example):
    content = page(client_for("outsider"), reverse("web:program", args=[example.pk]))
    tasks = list(example.tasks.all())
    assert len(tasks) >= 100
    for t in tasks:
        assert f'id="t-{t.pk}"' in content
        assert f">{t.key}</a>" in content
    for section in example.sections.all():
        assert f'id="s-{section.number}"' in content
    # The sections' intro paragraphs show, and the tree folds without scripts.
    assert "Quán triệt, tuyên truyền, nâng cao nhận thức" in content
    assert "<details" in content and "<script>" not in content.split("</head>")[1]


def test_tree_shows_the_lead_time_and_status(client_for, example, task):
    content = page(
        client_for("staff"), reverse("web:program", args=[example.pk]), as_of="2021-02-01"
    )
    block = task_block(content, task)
    assert "Ban Tổ chức Tỉnh ủy" in block
    assert "Trong quý I/2021" in block
    assert "Chưa hoàn thành trong hạn" in block
    assert "0/1 kỳ đã hoàn thành" in block


def test_badges_as_of_a_date_change_after_a_confirmed_report(users, client_for, example, task):
    url = reverse("web:program", args=[example.pk])
    client = client_for("monitor")
    before = page(client, url, as_of="2021-04-15")
    assert "Chưa hoàn thành quá hạn" in task_block(before, task)
    section_before = section_summary(before, "B.III.1.3")

    report_done(users["staff"], users["monitor"], lead_occurrence(task))

    after = page(client, url, as_of="2021-04-15")
    block = task_block(after, task)
    assert "Đã hoàn thành đúng hạn" in block and "1/1 kỳ đã hoàn thành" in block
    assert section_summary(after, "B.III.1.3") != section_before
    # As of a day before the confirmation the record said open, and still says so.
    block = task_block(page(client, url, as_of="2021-03-24"), task)
    assert "Chưa hoàn thành trong hạn" in block and "0/1 kỳ đã hoàn thành" in block


def test_tree_section_rollup_counts_every_body(users, client_for, example, task):
    # Both bodies' periods of the task (lead and coordinating) are due 31/3/2021.
    summary = section_summary(
        page(client_for("leader"), reverse("web:program", args=[example.pk]), as_of="2021-04-15"),
        "B.III.1.3",
    )
    assert "12 nhiệm vụ" in summary
    assert re.search(r"0/\d+ kỳ đến hạn đã hoàn thành", summary)
    assert "0%" in summary


def test_tree_marks_a_task_without_a_lead(client_for, example):
    orphan = example.tasks.filter(needs_lead=True).first()
    content = page(client_for("monitor"), reverse("web:program", args=[example.pk]))
    assert "chưa xác định (cần chỉ định)" in task_block(content, orphan)


def test_tree_bad_date_is_said_and_today_used(client_for, example):
    content = page(
        client_for("staff"), reverse("web:program", args=[example.pk]), as_of="31/02/2021x"
    )
    assert "không phải là ngày" in content


def test_unknown_program_is_404(client_for, example):
    assert (
        client_for("staff").get(reverse("web:program", args=[example.pk + 99])).status_code == 404
    )


def test_tree_queries_do_not_grow_with_the_tasks(
    client_for, example, django_assert_max_num_queries
):
    client = client_for("monitor")
    url = reverse("web:program", args=[example.pk])
    # 23: the statuses take four queries (occurrences, revisions, extensions, and the times
    # of compound tasks), read as values since issue 8; the office's committee and its
    # reach (theodoi.tracking.scope) a few more, once per request whatever the data.
    with django_assert_max_num_queries(23):
        client.get(url, {"as_of": "2021-06-30"})
    with CaptureQueriesContext(connection) as first:
        client.get(url, {"as_of": "2021-06-30"})
    # Ten more tasks, each with a lead assignment and four periods.
    template = example.tasks.get(key=KEY)
    lead = template.lead
    for n in range(10):
        extra = Task.objects.create(
            program=example, section=template.section, key=f"X.{n}", text=f"Việc thêm {n}",
            time={"kind": "recurring"}, time_text="Hằng năm", time_kind="recurring", lead=lead,
            added_in=template.added_in, position=1000 + n,
        )  # fmt: skip
        assignment = Assignment.objects.create(task=extra, organization=lead, leads=True)
        for year in (2021, 2022, 2023, 2024):
            Occurrence.objects.create(
                assignment=assignment, due_date=dt.date(year, 12, 31), label=f"Năm {year}",
                source="period",
            )  # fmt: skip
    with CaptureQueriesContext(connection) as second:
        content = client.get(url, {"as_of": "2021-06-30"}).content.decode()
    assert ">X.9</a>" in content
    assert len(second.captured_queries) == len(first.captured_queries)


def test_worst_bucket_order():
    assert worst_bucket(Tally()) is None
    assert worst_bucket(Tally(done_on_time=3, open_in_time=1)) == "open_in_time"
    assert worst_bucket(Tally(done_late=1, open_in_time=4)) == "done_late"
    assert worst_bucket(Tally(done_late=1, open_overdue=1)) == "open_overdue"
    assert worst_bucket(Tally(no_deadline=2, done_on_time=1)) == "no_deadline"
    assert worst_bucket(Tally(withdrawn=2, done_on_time=1)) == "done_on_time"
    assert worst_bucket(Tally(withdrawn=2)) == "withdrawn"


# --- The task page ---------------------------------------------------------------------------


def roles_table(content: str) -> str:
    start = content.index('id="roles"')
    return content[start : content.index("</section>", start)]


def test_task_page_shows_text_time_and_roles(client_for, task):
    content = page(client_for("monitor"), reverse("web:task", args=[task.pk]), as_of="2021-04-15")
    assert html.escape(task.text[:60]) in content or task.text[:60] in content
    assert "Trong quý I/2021" in content and "31/03/2021" in content
    roles = roles_table(content)
    lead_row = re.search(r'<tr class="lead">(.*?)</tr>', roles, re.S)
    assert lead_row and "Ban Tổ chức Tỉnh ủy" in text_of(lead_row.group(1))
    assert "chủ trì" in text_of(lead_row.group(1))
    words = text_of(roles)
    assert "Ban Thường vụ Tỉnh ủy chỉ đạo, ban hành" in words
    assert "Ban cán sự đảng Ủy ban nhân dân tỉnh tham mưu, thực hiện, phối hợp" in words
    # The breadcrumb names the sections above the task.
    assert "B.III.1.3." in text_of(content.split('class="crumbs')[1].split("</nav>")[0])
    # Both bodies' periods with their status as of the date.
    work = text_of(content.split('id="work"')[1].split("</section>")[0])
    assert work.count("Chưa hoàn thành quá hạn") == 2


def test_task_page_groups_and_inferred_roles(client_for, example):
    grouped = example.tasks.get(key="B.I.2")
    content = page(client_for("monitor"), reverse("web:task", args=[grouped.pk]))
    roles = text_of(roles_table(content))
    assert "Các huyện ủy, thị ủy, thành ủy, đảng ủy trực thuộc Tỉnh ủy" in roles
    assert "suy ra từ phần Tổ chức thực hiện" in roles
    assert re.search(r"nhóm gồm \d+ cơ quan", roles)
    assert 'class=" member"' in content
    assert roles.count("suy ra từ phần Tổ chức thực hiện") < 10  # once per group, not per member
    assert "Văn phòng cần chỉ định cơ quan chủ trì" in content  # needs_lead


def test_reports_are_shown_as_the_policy_allows(users, client_for, task):
    coordinator = member("bcs-staff", "qn.bcsd-ubnd")
    report_done(
        users["staff"], users["monitor"], lead_occurrence(task),
        narrative="Báo cáo của chủ trì: đã ban hành Kế hoạch số 12-KH/TU ngày 15/3/2021.",
    )  # fmt: skip
    theirs = Occurrence.objects.get(
        assignment__task=task, assignment__organization__code="qn.bcsd-ubnd"
    )
    save_report(
        user=coordinator, occurrence=theirs, expected_version=None, state="in_progress",
        narrative="Đóng góp của cơ quan phối hợp", now=at(2021, 3, 21),
    )  # fmt: skip
    url = reverse("web:task", args=[task.pk])

    for who in ("staff", "head", "monitor", "leader", "admin"):  # the lead sees both
        content = page(client_for(who), url)
        assert "Báo cáo của chủ trì" in content and "Đóng góp của cơ quan phối hợp" in content, who
    lead_page = page(client_for("staff"), url)
    # The document cited in the narrative became the report's evidence.
    assert "Văn bản đã ban hành: Kế hoạch số 12-KH/TU ngày 15/03/2021" in text_of(lead_page)
    assert "Văn phòng xác nhận" in lead_page and "25/03/2021 09:00" in lead_page

    client = Client()
    client.force_login(coordinator)
    content = page(client, url)
    assert "Đóng góp của cơ quan phối hợp" in content
    assert "Báo cáo của chủ trì" not in content  # a coordinating body sees its own only

    content = page(client_for("outsider"), url)
    assert task.text[:40] in html.unescape(content)
    assert "Ban Tổ chức Tỉnh ủy" in text_of(roles_table(content))
    assert "Báo cáo của chủ trì" not in content and "Đóng góp của cơ quan phối hợp" not in content
    assert "Chưa có báo cáo nào bạn được xem" in content
    assert "Chưa hoàn thành" not in text_of(content.split('id="work"')[1].split("</section>")[0])


def test_evidence_download_goes_through_the_policy(users, client_for, task, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    report = save_report(
        user=users["staff"], occurrence=lead_occurrence(task), expected_version=None,
        state="in_progress", narrative="Dự thảo kế hoạch", now=at(2021, 3, 10),
    )  # fmt: skip
    evidence = attach_file(user=users["staff"], report=report, upload=("du-thao.pdf", PDF_BYTES))
    url = reverse("web:evidence", args=[evidence.pk])
    assert url in page(client_for("staff"), reverse("web:task", args=[task.pk]))
    for who in ("staff", "head", "monitor"):
        response = client_for(who).get(url)
        assert response.status_code == 200, who
        assert b"".join(response.streaming_content) == PDF_BYTES
        assert response["Content-Type"] == "application/pdf"
        assert "attachment" in response["Content-Disposition"]
    assert client_for("outsider").get(url).status_code in (403, 404)
    assert url not in page(client_for("outsider"), reverse("web:task", args=[task.pk]))
    assert (
        client_for("staff").get(reverse("web:evidence", args=[evidence.pk + 99])).status_code == 404
    )


def test_unknown_task_is_404(client_for, example):
    last = Task.objects.order_by("-pk").first().pk
    assert client_for("monitor").get(reverse("web:task", args=[last + 1])).status_code == 404


def test_a_narrative_is_shown_as_text(users, client_for, task):
    save_report(
        user=users["staff"], occurrence=lead_occurrence(task), expected_version=None,
        state="in_progress", narrative="<script>alert(1)</script>", now=at(2021, 3, 10),
    )  # fmt: skip
    content = page(client_for("monitor"), reverse("web:task", args=[task.pk]))
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content


def test_a_withdrawn_task_says_so(client_for, example, task):
    Task.objects.filter(pk=task.pk).update(withdrawn_in=task.added_in)
    content = page(client_for("staff"), reverse("web:task", args=[task.pk]))
    assert "đã được bãi bỏ" in content
    tree = page(client_for("staff"), reverse("web:program", args=[example.pk]))
    assert "Đã bãi bỏ" in task_block(tree, task)


def test_extensions_and_history_on_the_task_page(users, client_for, task):
    occurrence = lead_occurrence(task)
    extension = request_extension(
        user=users["staff"], occurrence=occurrence, new_due=dt.date(2021, 6, 30),
        reason="Chờ ý kiến Trung ương", now=at(2021, 3, 15),
    )  # fmt: skip
    decide_extension(user=users["monitor"], extension=extension, approve=True, now=at(2021, 3, 18))
    content = page(client_for("staff"), reverse("web:task", args=[task.pk]), as_of="2021-04-15")
    assert "Chờ ý kiến Trung ương" in content
    work = text_of(content.split('id="work"')[1].split("</section>")[0])
    assert "30/06/2021 gia hạn từ 31/03/2021" in work
    assert "Chưa hoàn thành trong hạn" in work
    # The history of the task and its assignments: the import created them.
    history = text_of(content.split('id="history"')[1].split("</section>")[0])
    assert (
        "Nhiệm vụ" in history
        and "Tạo mới" in history
        and "Phân công: Ban Tổ chức Tỉnh ủy" in history
    )
    # Another body sees the task's history but not the assignments it may not see.
    other = text_of(
        page(client_for("outsider"), reverse("web:task", args=[task.pk])).split('id="history"')[1]
    )
    assert "Phân công: Ban Tổ chức Tỉnh ủy" not in other


def test_task_page_queries_are_bounded(client_for, example, django_assert_max_num_queries):
    grouped = example.tasks.get(key="B.I.2")  # dozens of bodies through groups
    assert grouped.assignments.count() > 20
    client = client_for("monitor")
    with django_assert_max_num_queries(30):
        response = client.get(reverse("web:task", args=[grouped.pk]), {"as_of": "2021-05-01"})
    assert response.status_code == 200


def test_the_example_program_is_the_one_imported(example):
    assert Program.objects.count() == 1
    assert ProgressReport.objects.count() == 0
