"""`theodoi remind [--today YYYY-MM-DD]`: tell people what comes due, what is due today and
what is overdue; one digest email per person per day. For cron: safe to run every few
minutes and from two machines at once (see ``theodoi.tracking.reminders``)."""

from __future__ import annotations

import datetime as dt
import sys
from typing import ClassVar

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from theodoi.tracking.reminders import run_reminders


class Command(BaseCommand):
    # A cron job: the system checks (a second of start-up) are run by `theodoi check` and
    # at every start of `theodoi serve`, not every few minutes here.
    requires_system_checks: ClassVar[list[str]] = []
    help = (
        "Nhắc việc: báo cho cán bộ các cơ quan việc sắp đến hạn, đến hạn hôm nay, quá hạn "
        "(mỗi người một thư tổng hợp mỗi ngày); gửi Văn phòng tổng hợp hằng ngày."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--today",
            metavar="YYYY-MM-DD",
            help="chạy như vào ngày này (mặc định: hôm nay theo giờ của hệ thống)",
        )

    def handle(self, *args, **options) -> None:
        today = timezone.localdate()
        if options["today"]:
            try:
                today = dt.date.fromisoformat(options["today"])
            except ValueError:
                sys.stderr.write(
                    f"theodoi remind: ngày không hợp lệ {options['today']!r} (dạng YYYY-MM-DD, "
                    "ví dụ 2021-03-24)\n"
                )
                raise SystemExit(2) from None
        summary = run_reminders(today=today)
        self.stdout.write(
            f"Ngày {today:%d/%m/%Y}: {summary.created} thông báo mới; "
            f"{len(summary.sent)} thư đã gửi; {len(summary.failed)} thư chưa gửi được."
        )
        if options["verbosity"] >= 2:
            self.stdout.write(_timings(summary))
        for address, error in summary.failed:
            sys.stderr.write(
                f"theodoi remind: chưa gửi được đến {address}: {error} "
                "(sẽ gửi lại ở lần chạy sau)\n"
            )
        if summary.unreachable:
            sys.stderr.write(
                f"theodoi remind: không kết nối được máy chủ thư {_server()} "
                f"({summary.unreachable}); đã dừng gửi, {summary.left} người khác chưa được "
                "gửi thư. Không thư nào bị đánh dấu là đã gửi: chạy lại theodoi remind khi máy "
                "chủ thư hoạt động, mỗi người sẽ nhận thư đúng một lần.\n"
            )
        if summary.busy:
            self.stdout.write(
                f"{summary.busy} thư đang được một lần chạy khác gửi (hoặc lần chạy trước bị "
                "dừng giữa chừng: thư đó sẽ được gửi ở lần chạy sau khi hết hạn giữ chỗ)."
            )
        if summary.failed or summary.unreachable:
            raise SystemExit(1)


def _timings(summary) -> str:
    """Where the run's time went (``-v 2``; bench/remind.py reads it)."""
    collect, send = summary.seconds.get("collect", 0.0), summary.seconds.get("send", 0.0)
    return (
        f"Thời gian: thu thập {collect:.1f} giây, gửi thư {send:.1f} giây "
        f"({summary.workers} luồng gửi), tất cả {collect + send:.1f} giây."
    )


def _server() -> str:
    if "smtp" not in settings.EMAIL_BACKEND:
        return f"({settings.EMAIL_BACKEND})"
    return f"{settings.EMAIL_HOST}:{settings.EMAIL_PORT}"
