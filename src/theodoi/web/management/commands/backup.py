"""`theodoi backup FILE`: the database and the uploaded files in one file (see theodoi.backup)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from theodoi.backup import BackupError, backup


class Command(BaseCommand):
    help = "Sao lưu toàn bộ dữ liệu (cơ sở dữ liệu và tệp đã tải lên) vào một tệp .zip."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="tệp sao lưu sẽ tạo (.zip)")

    def handle(self, *args, **options) -> None:
        try:
            summary = backup(options["file"])
        except (BackupError, OSError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Đã sao lưu {summary.total_rows} dòng dữ liệu của {len(summary.rows)} bảng "
            f"và {summary.files} tệp vào {options['file']}, ký bằng khóa bí mật của cài đặt này "
            f"(mã khóa {summary.signature})."
        )
