"""`theodoi report --program NUMBER --period 2021-Q2 --format docx|pdf|xlsx`: a periodic
report on a program, computed as of the end of the period from the stored history;
`--kind section-ii`: the organisation board's report on section II (lower-level programs
issued, personal plans approved and sent)."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils import timezone

from theodoi.programs.models import Program
from theodoi.reporting.content import ReportContentError, build_report
from theodoi.reporting.frame import signer_of
from theodoi.reporting.periods import PeriodError, parse_period
from theodoi.reporting.produce import FORMATS, produce
from theodoi.reporting.section_two import build_section_two

KINDS = ("periodic", "section-ii")


class Command(BaseCommand):
    help = (
        "Lập báo cáo định kỳ kết quả thực hiện chương trình (DOCX, PDF theo thể thức văn bản; "
        "XLSX thống kê), số liệu tính đến hết kỳ báo cáo."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--program", required=True, metavar="NUMBER",
                            help="số, ký hiệu chương trình (vd CTHD-TINHUY-2020-2025)")  # fmt: skip
        parser.add_argument("--period", required=True,
                            help="kỳ báo cáo: 2021-Q2, 2021-H1, 2021 hoặc 2020-2025")  # fmt: skip
        parser.add_argument("--format", choices=sorted(FORMATS), default="docx")
        parser.add_argument("--kind", choices=KINDS, default="periodic",
                            help="periodic: báo cáo kết quả thực hiện chương trình; section-ii: "
                                 "báo cáo của Ban Tổ chức về xây dựng chương trình, kế hoạch "
                                 "hành động cá nhân (mục II)")  # fmt: skip
        parser.add_argument("--output", metavar="FILE",
                            help="tệp ghi ra (mặc định: tên theo chương trình và kỳ)")  # fmt: skip
        parser.add_argument("--number", default="",
                            help="số văn bản: số (vd 125) hoặc số và ký hiệu (vd 125-BC/TU); "
                                 "để trống cho bản dự thảo")  # fmt: skip
        parser.add_argument("--short", action="store_true",
                            help="bản rút gọn: chỉ nêu cơ quan hoàn thành chậm, quá hạn")  # fmt: skip
        parser.add_argument("--on-behalf", default="", help="quyền hạn ký (vd T/M BAN THƯỜNG VỤ)")
        parser.add_argument("--signer-title", default="", help="chức vụ người ký")
        parser.add_argument("--signer-name", default="", help="họ tên người ký")
        parser.add_argument("--recipient", action="append", default=[], metavar="NƠI_NHẬN",
                            help="một nơi nhận (nhắc lại cho mỗi nơi); mặc định: theo thể "
                                 "thức của cơ quan ban hành")  # fmt: skip
        parser.add_argument("--date", metavar="YYYY-MM-DD",
                            help="ngày của báo cáo (mặc định: hôm nay)")  # fmt: skip
        parser.add_argument("--proposals", default="",
                            help="nội dung phần đề xuất, kiến nghị (thay cho phần tự lập)")  # fmt: skip

    def handle(self, *args, **options) -> None:
        program = Program.objects.filter(number=options["program"].strip()).first()
        if program is None:
            known = ", ".join(Program.objects.order_by("number").values_list("number", flat=True))
            self._fail(
                f"theodoi report: không có chương trình số {options['program']!r}"
                + (f" (có: {known})" if known else " (chưa nhập chương trình nào)")
            )
        try:
            period = parse_period(options["period"])
        except PeriodError as exc:
            self._fail(f"theodoi report: {exc}")
        day = timezone.localdate()
        if options["date"]:
            try:
                day = dt.date.fromisoformat(options["date"])
            except ValueError:
                self._fail(
                    f"theodoi report: ngày không hợp lệ {options['date']!r} (dạng YYYY-MM-DD, "
                    "ví dụ 2021-07-05)"
                )
        number = options["number"].strip()
        signer = signer_of(
            options["on_behalf"], options["signer_title"], options["signer_name"],
            "\n".join(options["recipient"]),
        )  # fmt: skip
        try:
            if options["kind"] == "section-ii":
                report = build_section_two(program, period, number=number, day=day)
            else:
                report = build_report(
                    program, period, number=number, day=day, proposals=options["proposals"],
                    signer=signer, short=options["short"],
                )  # fmt: skip
        except ReportContentError as exc:
            self._fail(f"theodoi report: {exc}")
        output = produce(report, options["format"])
        path = Path(options["output"] or output.filename)
        if path.is_dir():
            path = path / output.filename
        self._write(path, output.data)
        self.stdout.write(
            f"Đã lập {report.display_name} ({options['format'].upper()}, số liệu đến hết ngày "
            f"{report.as_of:%d/%m/%Y}): {path}"
        )

    def _write(self, path: Path, data: bytes) -> None:
        """The whole file or none: written beside it first, then moved into place."""
        if not path.parent.is_dir():
            self._fail(f"theodoi report: không ghi được tệp {path}: thư mục không tồn tại")
        partial = path.with_name(f".{path.name}.tmp")
        try:
            partial.write_bytes(data)
            os.replace(partial, path)
        except PermissionError:
            partial.unlink(missing_ok=True)
            self._fail(f"theodoi report: không ghi được tệp {path}: không có quyền ghi")
        except OSError as exc:
            partial.unlink(missing_ok=True)
            self._fail(f"theodoi report: không ghi được tệp {path} (lỗi hệ thống: {exc})")

    def _fail(self, message: str) -> None:
        """One line on stderr, exit status 2, no file written."""
        sys.stderr.write(message.replace("\n", " ") + "\n")
        raise SystemExit(2)
