"""`theodoi sheet export USERNAME FILE [--program N] [--period 2021-Q2] [--organization CODE]`
and `theodoi sheet import USERNAME FILE [--apply] [--send]`: the spreadsheet round trip from
the command line, acting as USERNAME (the same policy as the web pages).

The import prints what would change and what is refused; it saves nothing without
``--apply``. Exit status 2 for input that cannot be used (one line on standard error), 1 when
some rows were refused, 0 otherwise."""

from __future__ import annotations

import io
import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils import timezone
from openpyxl import load_workbook

from theodoi.orgs.models import Organization
from theodoi.programs.models import Program
from theodoi.reporting.periods import PeriodError, parse_period
from theodoi.tracking.spreadsheet import (
    ImportPlan,
    PlannedRow,
    SheetError,
    applied_summary,
    apply_import,
    export_workbook,
    plan_import,
)


class Command(BaseCommand):
    help = (
        "Bảng tính báo cáo tiến độ: xuất việc của cơ quan ra tệp .xlsx, nhập lại tệp đã điền "
        "(xem trước; --apply để lưu)."
    )

    def add_arguments(self, parser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="export|import")
        export = actions.add_parser("export", help="xuất bảng tính việc của cơ quan")
        export.add_argument("username", help="tên đăng nhập (người tải)")
        export.add_argument("file", help="tệp .xlsx sẽ ghi")
        export.add_argument("--program", help="số, ký hiệu hoặc mã số của chương trình")
        export.add_argument(
            "--period",
            help="kỳ: 2021, 2021-H1, 2021-Q2 hoặc 2020-2025 (mặc định: quý hiện tại)",
        )
        export.add_argument(
            "--organization",
            metavar="CODE",
            help="mã cơ quan (Văn phòng, lãnh đạo xuất việc của cơ quan khác)",
        )
        imported = actions.add_parser("import", help="nhập bảng tính đã điền")
        imported.add_argument("username", help="tên đăng nhập (người nhập)")
        imported.add_argument("file", help="tệp .xlsx đã điền")
        imported.add_argument("--apply", action="store_true", help="lưu các thay đổi")
        imported.add_argument(
            "--send", action="store_true", help="gửi báo cáo luôn (mặc định: lưu nháp)"
        )

    def handle(self, *args, **options) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            self._fail(f"không có người dùng {options['username']}")
        if options["action"] == "export":
            self._export(user, options)
        else:
            self._import(user, options)

    def _export(self, user, options) -> None:
        today = timezone.localdate()
        try:
            period = parse_period(options["period"] or f"{today.year}-Q{(today.month + 2) // 3}")
        except PeriodError as error:
            self._fail(str(error))
        program = None
        if options["program"]:
            raw = options["program"]
            program = Program.objects.filter(number=raw).first()
            if program is None and raw.isdigit():
                program = Program.objects.filter(pk=int(raw)).first()
            if program is None:
                self._fail(f"không có chương trình {raw}")
        organization = None
        if options["organization"]:
            organization = Organization.objects.filter(
                code=options["organization"], unresolved=False
            ).first()
            if organization is None:
                self._fail(f"không có cơ quan mã {options['organization']}")
        try:
            data = export_workbook(
                user, program=program, organization=organization, start=period.start,
                end=period.end, as_of=today, period_label=period.short_label,
            )  # fmt: skip
        except SheetError as error:
            self._fail(str(error))
        path = Path(options["file"])
        try:
            path.write_bytes(data)
        except OSError as error:
            self._fail(f"{path}: không ghi được ({error.strerror or error})")
        rows = load_workbook(io.BytesIO(data), read_only=True).worksheets[0].max_row - 1
        self.stdout.write(f"Đã ghi {path}: {rows} dòng, {period.short_label}.")

    def _import(self, user, options) -> None:
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as error:
            self._fail(f"{path}: không đọc được ({error.strerror or error})")
        try:
            plan = plan_import(user, data)
        except SheetError as error:
            self._fail(f"{path}: {error}")
        self._print_plan(plan)
        refused = bool(plan.refused)
        if options["apply"] and plan.changes:
            result = apply_import(user, plan, send=options["send"])
            self.stdout.write(applied_summary(result))
            for row in result.refused:
                self.stdout.write(f"  không lưu được: {row.message}")
            refused = refused or bool(result.refused)
        elif plan.changes:
            self.stdout.write("Chưa lưu gì: thêm --apply để lưu (và --send để gửi luôn).")
        if refused:
            raise SystemExit(1)

    def _print_plan(self, plan: ImportPlan) -> None:
        self.stdout.write(
            f"Bảng tính của {plan.source_body or '?'}, tải lúc {plan.exported_at or '?'}: "
            f"{len(plan.changes)} dòng thay đổi, {len(plan.refused)} dòng không nhận, "
            f"{len(plan.unchanged)} dòng giữ nguyên."
        )
        if plan.notice:
            self.stdout.write(plan.notice)
        for row in plan.changes:
            fields = "; ".join(
                f"{c.label}: {c.before or '—'} → {c.after or '—'}" for c in row.changes
            )
            self.stdout.write(f"  {_where(row)}: {fields}")
            if row.note:
                self.stdout.write(f"    {row.note}")
        for row in plan.refused:
            self.stdout.write(f"  không nhận: {row.message}")

    def _fail(self, message: str) -> None:
        """One line on standard error, exit status 2, nothing written."""
        sys.stderr.write(f"theodoi sheet: {message}\n")
        raise SystemExit(2)


def _where(row: PlannedRow) -> str:
    return f"Dòng {row.row} (mã {row.occurrence_id}, {row.task_key}, {row.period})"
