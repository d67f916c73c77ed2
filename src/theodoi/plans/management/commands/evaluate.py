"""`theodoi evaluate --program NUMBER --year 2021 [--format text|xlsx --output FILE]`: the
annual evaluation of bodies and leaders (section II.3), as of 31/12 of the year."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from theodoi.plans.evaluation import EvaluationError, evaluate
from theodoi.plans.export import text, workbook
from theodoi.programs.models import Program


class Command(BaseCommand):
    help = "Đánh giá, xếp loại hằng năm các cơ quan và người đứng đầu theo chương trình."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--program", required=True, metavar="NUMBER", help="số chương trình")
        parser.add_argument("--year", required=True, help="năm đánh giá, vd 2021")
        parser.add_argument("--format", choices=["text", "xlsx"], default="text")
        parser.add_argument("--output", metavar="FILE", help="tệp ghi ra (bắt buộc với xlsx)")

    def handle(self, *args, **options) -> None:
        program = Program.objects.filter(number=options["program"]).first()
        if program is None:
            self._fail(f"theodoi evaluate: không có chương trình số {options['program']}")
        raw = str(options["year"]).strip()
        if not raw.isdigit():
            self._fail(f"theodoi evaluate: năm không hợp lệ: {raw} (ghi dạng 2021)")
        try:
            evaluation = evaluate(program, int(raw))
        except EvaluationError as exc:
            self._fail(f"theodoi evaluate: {exc}")
        if options["format"] == "text":
            content = text(evaluation)
            if options["output"]:
                self._write(Path(options["output"]), content.encode("utf-8"))
            else:
                self.stdout.write(content, ending="")
            return
        if not options["output"]:
            self._fail("theodoi evaluate: --format xlsx cần --output TỆP")
        self._write(Path(options["output"]), workbook(evaluation))

    def _write(self, path: Path, data: bytes) -> None:
        if path.is_dir():
            self._fail(f"theodoi evaluate: {path} là thư mục, cần tên tệp")
        try:
            path.write_bytes(data)
        except OSError as exc:
            self._fail(f"theodoi evaluate: không ghi được {path}: {exc.strerror}")
        self.stdout.write(f"Đã ghi {path}")

    def _fail(self, message: str) -> None:
        """One line on stderr, exit status 2."""
        sys.stderr.write(message.replace("\n", " ") + "\n")
        raise SystemExit(2)
