"""`theodoi restore FILE`: a backup made by `theodoi backup`, into an empty database, once its
signature is checked (``--key-from``: another installation's; ``--trust-unsigned``: none)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from theodoi.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Khôi phục một tệp sao lưu vào cơ sở dữ liệu trống (kiểm tra chữ ký và toàn bộ tệp "
        "trước, nạp trong một giao dịch)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="tệp sao lưu do `theodoi backup` tạo")
        parser.add_argument(
            "--force",
            action="store_true",
            help="thay toàn bộ dữ liệu đang có (liệt kê trước những gì sẽ bị thay)",
        )
        parser.add_argument(
            "--key-from",
            metavar="TỆP",
            help=(
                "tệp chứa khóa bí mật của cài đặt đã tạo bản sao lưu (chuyển dữ liệu sang cài "
                "đặt khác): chữ ký được kiểm tra bằng khóa đó"
            ),
        )
        parser.add_argument(
            "--trust-unsigned",
            action="store_true",
            help=(
                "khôi phục cả khi không kiểm tra được chữ ký (bản sao lưu cũ chưa có chữ ký, "
                "hoặc khóa đã mất); một chữ ký kiểm tra được mà không khớp vẫn bị từ chối"
            ),
        )

    def handle(self, *args, **options) -> None:
        try:
            summary = restore(
                options["file"],
                force=options["force"],
                key_file=options["key_from"],
                trust_unsigned=options["trust_unsigned"],
                say=self.stdout.write,
            )
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Đã khôi phục {summary.total_rows} dòng dữ liệu của {len(summary.rows)} bảng "
            f"và {summary.files} tệp từ {options['file']}."
        )
