"""`theodoi generate --scale province|national --seed N`: synthetic data at the size of a
province or of the country, for benchmarks (``theodoi.synthetic``)."""

from __future__ import annotations

import datetime as dt
import secrets
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand

from theodoi.synthetic.generate import GenerateError, generate
from theodoi.synthetic.shape import SCALES


class Command(BaseCommand):
    help = (
        "Tạo dữ liệu tổng hợp cỡ một tỉnh hoặc cả nước (chương trình, cơ quan, người dùng, "
        "kỳ thực hiện, báo cáo tiến độ) để đo hiệu năng. Không dùng trên cơ sở dữ liệu thật."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--scale", choices=sorted(SCALES), default="province",
                            help="province: một tỉnh; national: 34 tỉnh, thành phố")  # fmt: skip
        parser.add_argument("--seed", type=int, default=1, help="cùng seed, cùng dữ liệu")
        parser.add_argument(
            "--password", help="mật khẩu của mọi tài khoản được tạo (mặc định: ngẫu nhiên)"
        )
        parser.add_argument(
            "--today", metavar="YYYY-MM-DD", help="lịch sử báo cáo đến ngày này (mặc định: hôm nay)"
        )

    def handle(self, *args, **options) -> None:
        today = None
        if options["today"]:
            try:
                today = dt.date.fromisoformat(options["today"])
            except ValueError:
                self._fail(f"ngày không hợp lệ {options['today']!r} (dạng YYYY-MM-DD)")
        call_command("migrate", verbosity=0, interactive=False)
        password = options["password"] or secrets.token_urlsafe(12)
        try:
            summary = generate(options["scale"], seed=options["seed"], password=password,
                               today=today, say=self._say)  # fmt: skip
        except GenerateError as exc:
            self._fail(str(exc))
        counts = summary.counts
        self._say(
            f"Xong trong {summary.seconds:.0f} giây: {counts['program']:,} chương trình, "
            f"{counts['task']:,} nhiệm vụ, {counts['assignment']:,} phân công, "
            f"{counts['occurrence']:,} kỳ thực hiện, {counts['progressreport']:,} báo cáo "
            f"({counts['reportrevision']:,} lượt báo cáo, xác nhận), "
            f"{counts['extension']:,} gia hạn, {counts['notification']:,} thông báo, "
            f"{counts['organization']:,} cơ quan, {counts['user']:,} người dùng."
        )
        self._say(f"Mật khẩu mọi tài khoản: {summary.password}")
        self._say(f"Tóm tắt cho bench/: {summary.manifest}")

    def _say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()

    def _fail(self, message: str) -> None:
        sys.stderr.write(f"theodoi generate: {message}\n")
        raise SystemExit(2)
