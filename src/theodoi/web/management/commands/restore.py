"""`theodoi restore FILE`: a backup made by `theodoi backup`, into an empty database."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from theodoi.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Khôi phục một tệp sao lưu vào cơ sở dữ liệu trống (kiểm tra toàn bộ tệp trước, "
        "nạp trong một giao dịch)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="tệp sao lưu do `theodoi backup` tạo")
        parser.add_argument(
            "--force",
            action="store_true",
            help="thay toàn bộ dữ liệu đang có (liệt kê trước những gì sẽ bị thay)",
        )

    def handle(self, *args, **options) -> None:
        try:
            summary = restore(options["file"], force=options["force"], say=self.stdout.write)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Đã khôi phục {summary.total_rows} dòng dữ liệu của {len(summary.rows)} bảng "
            f"và {summary.files} tệp từ {options['file']}."
        )
