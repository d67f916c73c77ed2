"""`theodoi demo`: the example province and program, one account per role, served on
127.0.0.1. Run it again on the same folder: it reuses the data and starts in seconds."""

from __future__ import annotations

import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from theodoi.web import demo
from theodoi.web.server import serve


class Command(BaseCommand):
    help = "Chạy thử theodoi với chương trình mẫu và một tài khoản cho mỗi vai trò."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--data-dir", help="thư mục dữ liệu (mặc định ./theodoi-data); đọc trước khi khởi động"
        )
        parser.add_argument("--port", type=int, default=8000, help="cổng (mặc định 8000)")
        parser.add_argument(
            "--with-history",
            action="store_true",
            help="thêm tiến độ minh họa (được đánh dấu là dữ liệu minh họa)",
        )
        parser.add_argument(
            "--no-serve", action="store_true", help="chỉ chuẩn bị dữ liệu, không chạy máy chủ"
        )

    def handle(self, *args, **options) -> None:
        port = options["port"]
        if not 0 < port < 65536:
            sys.stderr.write(f"theodoi demo: cổng không hợp lệ {port} (1–65535)\n")
            raise SystemExit(2)
        say = self.stdout.write
        say(f"Thư mục dữ liệu: {settings.DATA_DIR}")
        call_command("migrate", verbosity=0, interactive=False)
        program = demo.ensure_example()
        accounts = demo.ensure_accounts()
        if options["with_history"]:
            say("Đang tạo tiến độ minh họa (lần đầu mất khoảng một phút)…")
            made = demo.invent_history(program, today=demo.today())
            say(f"Tiến độ minh họa: {made} báo cáo mới." if made else "Tiến độ minh họa: đã có.")
        call_command("collectstatic", verbosity=0, interactive=False)
        address = f"http://127.0.0.1:{port}/"
        say(f"theodoi: {address}")
        for account in accounts:
            say(
                f"account: {account.username} {account.password} {account.role} "
                f"{account.organization.name}"
            )
        sys.stdout.flush()
        if options["no_serve"]:
            return
        serve(bind=f"127.0.0.1:{port}", workers=2)
