"""`theodoi serve`: the production server (gunicorn), configured by environment variables."""

from __future__ import annotations

import os
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import DatabaseError

from theodoi.tracking.evidence import remove_orphans
from theodoi.web.server import collect_static, serve


class Command(BaseCommand):
    help = "Chạy máy chủ web (gunicorn) cho môi trường thật."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--data-dir", help="thư mục dữ liệu; đọc trước khi khởi động")
        parser.add_argument(
            "--bind",
            default=os.environ.get("THEODOI_BIND", "127.0.0.1:8000"),
            help="địa chỉ:cổng (mặc định THEODOI_BIND hoặc 127.0.0.1:8000)",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("THEODOI_WORKERS", "0") or 0) or (os.cpu_count() or 1) + 1,
            help="số tiến trình (mặc định THEODOI_WORKERS hoặc số CPU + 1)",
        )
        parser.add_argument("--migrate", action="store_true", help="cập nhật cơ sở dữ liệu trước")

    def handle(self, *args, **options) -> None:
        if options["workers"] < 1:
            sys.stderr.write("theodoi serve: --workers phải từ 1 trở lên\n")
            raise SystemExit(2)
        # Without a configured key the settings refuse to load (cli.py prints why); only a
        # development run gets this far with the development key.
        if settings.DEBUG:
            sys.stderr.write(
                "theodoi serve: THEODOI_DEBUG=1 (chế độ phát triển) hiện chi tiết lỗi cho người "
                "dùng; không dùng cho môi trường thật.\n"
            )
        if options["migrate"]:
            call_command("migrate", verbosity=0, interactive=False)
        self._remove_orphans()
        collect_static()
        self.stdout.write(f"theodoi: http://{options['bind']}/")
        sys.stdout.flush()
        serve(bind=options["bind"], workers=options["workers"])

    def _remove_orphans(self) -> None:
        """Evidence files left without their row by a process killed mid-upload (see
        ``tracking.evidence.orphans``): a start usually follows such a kill."""
        try:
            removed = remove_orphans()
        except DatabaseError as error:  # not migrated yet: nothing can refer to a file
            sys.stderr.write(f"theodoi serve: chưa dọn được tệp mồ côi ({error})\n")
            return
        if removed:
            self.stdout.write(
                f"theodoi: đã xóa {len(removed)} tệp minh chứng không thuộc báo cáo nào "
                "(tải lên dở khi máy chủ dừng đột ngột)"
            )
