"""What `theodoi demo --with-history` invents is marked as demo data wherever it is shown."""

from __future__ import annotations

from theodoi.programs.models import Occurrence
from theodoi.tracking.models import ProgressReport
from theodoi.tracking.reports import save_report

BANNER = "dữ liệu minh họa do theodoi demo --with-history tạo ra"


def test_demo_reports_carry_a_mark_and_every_page_a_banner(users, client_for):
    occurrence = Occurrence.objects.filter(
        assignment__organization__code="qn.btctu", assignment__task__key="B.III.1.3/2"
    ).first()
    staff = client_for("staff")
    assert BANNER not in staff.get("/work/").content.decode()
    report = save_report(
        user=users["staff"], occurrence=occurrence, expected_version=None, state="in_progress",
        narrative="Đang triển khai", done_on=None,
    )  # fmt: skip
    ProgressReport.objects.filter(pk=report.pk).update(demo=True)
    page = client_for("monitor").get(f"/tasks/{occurrence.assignment.task_id}/").content.decode()
    assert BANNER in page
    assert '<span class="demo">dữ liệu minh họa</span>' in page
    assert BANNER in staff.get("/work/").content.decode()
