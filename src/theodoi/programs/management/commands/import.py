"""`theodoi import FILE`: parse a program document and store it, in one transaction."""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand

from theodoi.parsing import ParseError, example_path
from theodoi.parsing.registry import RegistryError
from theodoi.programs.importer import ImportSummary, ProgramImportError, import_program


class Command(BaseCommand):
    help = "Nhập văn bản chương trình vào cơ sở dữ liệu (nhiệm vụ, phân công, các kỳ thực hiện)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", nargs="?", help="văn bản chương trình (.md, .txt, .docx, .pdf)")
        parser.add_argument("--example", action="store_true", help="nhập chương trình mẫu")
        parser.add_argument("--number", help="số, ký hiệu cho văn bản không ghi số (vd 01-CTr/TU)")
        parser.add_argument(
            "--amends", metavar="NUMBER", help="văn bản điều chỉnh, bổ sung chương trình số NUMBER"
        )
        parser.add_argument(
            "--parent", metavar="NUMBER", help="chương trình cấp trên mà văn bản này thực hiện"
        )
        parser.add_argument(
            "--parent-task", metavar="KEY", help="nhiệm vụ của chương trình cấp trên (vd B.II.1)"
        )
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, **options) -> None:
        path = example_path() if options["example"] else options["file"]
        if path is None:
            self._fail("theodoi import: cần tên tệp văn bản (FILE), hoặc --example")
        progress = self._progress if sys.stderr.isatty() else None
        try:
            summary = import_program(
                path=path,
                number=options["number"],
                amends=options["amends"],
                parent=options["parent"],
                parent_task=options["parent_task"],
                progress=progress,
            )
        except ParseError as exc:
            self._fail(f"theodoi import: {path}: {exc}")
        except (ProgramImportError, RegistryError) as exc:
            self._fail(f"theodoi import: {path}: {exc}")
        if options["format"] == "json":
            self.stdout.write(json.dumps(summary.to_dict(), ensure_ascii=False))
        else:
            self.stdout.write(render_summary(summary), ending="")

    def _progress(self, message: str) -> None:
        sys.stderr.write(message + "\n")

    def _fail(self, message: str) -> None:
        """One line on stderr, exit status 2, nothing written to the database."""
        sys.stderr.write(message.replace("\n", " ") + "\n")
        raise SystemExit(2)


def render_summary(summary: ImportSummary) -> str:
    lines = []
    if summary.unchanged:
        lines.append(f"Chương trình {summary.program}: văn bản không đổi, không có gì để cập nhật.")
    elif summary.version == 1:
        lines.append(f"Đã nhập chương trình {summary.program} (lần 1).")
    else:
        lines.append(f"Đã cập nhật chương trình {summary.program}: lần {summary.version}.")
    if summary.number_derived:
        lines.append(
            f"Văn bản không ghi số; theodoi đặt số {summary.program} (dùng --program {summary.program})."
        )
    lines.append(
        f"{summary.sections} mục, {summary.tasks} nhiệm vụ, {summary.assignments} phân công, "
        f"{summary.occurrences} kỳ thực hiện."
    )
    if summary.version > 1 and not summary.unchanged:
        lines.append(
            f"So với lần trước: thêm {len(summary.added)}, bãi bỏ {len(summary.removed)}, "
            f"sửa {len(summary.changed)} nhiệm vụ."
        )
        for title, keys in (
            ("Thêm", summary.added),
            ("Bãi bỏ", summary.removed),
            ("Sửa", summary.changed),
        ):
            if keys:
                lines.append(f"  {title}: {', '.join(keys)}")
    if summary.unresolved:
        lines.append(
            f"Tên cơ quan chưa có trong danh mục ({len(summary.unresolved)}), cần xem lại:"
        )
        lines.extend(f"  - {name}" for name in summary.unresolved)
    if summary.warnings:
        lines.append(f"Cảnh báo ({len(summary.warnings)}):")
        lines.extend(f"  {warning}" for warning in summary.warnings)
    return "\n".join(lines) + "\n"
