"""`theodoi import FILE`: parse a program document and store it, in one transaction, as it
reads (``theodoi.programs.drafts.import_file``: the rules of the web page's and the API's
confirmation, without corrections)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import DatabaseError

from theodoi.parsing import ParseError, example_path
from theodoi.parsing.registry import RegistryError
from theodoi.programs import drafts
from theodoi.programs.drafts import DraftError
from theodoi.programs.importer import ImportSummary
from theodoi.programs.lineage import THRESHOLD, LinkResult
from theodoi.programs.models import ParentLink, Program


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
            "--parent-task",
            metavar="KEY",
            help="nhiệm vụ của chương trình cấp trên giao xây dựng chương trình (vd B.II.1);"
            " không ghi: theodoi chọn nếu rõ",
        )
        parser.add_argument(
            "--link",
            action="append",
            default=[],
            metavar="KEY=PARENT_KEY",
            help="gắn nhiệm vụ KEY của văn bản này với nhiệm vụ PARENT_KEY của chương trình cấp"
            " trên (PARENT_KEY trống: không gắn); có thể ghi nhiều lần",
        )
        parser.add_argument(
            "--threshold",
            type=int,
            default=THRESHOLD,
            metavar="N",
            help=f"độ giống nội dung tối thiểu (0-100) để tự gắn nhiệm vụ cấp trên (mặc định"
            f" {THRESHOLD})",
        )
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, **options) -> None:
        path = example_path() if options["example"] else options["file"]
        if path is None:
            self._fail("theodoi import: cần tên tệp văn bản (FILE), hoặc --example")
        progress = self._progress if sys.stderr.isatty() else None
        chosen = self._links(options["link"])
        if not 0 <= options["threshold"] <= 100:
            self._fail("theodoi import: --threshold phải từ 0 đến 100")
        if chosen and not options["parent"]:
            self._fail("theodoi import: --link cần --parent (số chương trình cấp trên)")
        try:
            done = drafts.import_file(
                path=path,
                options={key: options[key] for key in drafts.OPTIONS},
                links=chosen,
                threshold=options["threshold"],
                progress=progress,
            )
        except DraftError as exc:
            self._fail(f"theodoi import: {path}: {_without_name(str(exc), path)}")
        except (ParseError, RegistryError) as exc:
            self._fail(f"theodoi import: {path}: {exc}")
        except DatabaseError as exc:
            # The transaction rolled back: say so, and exit 1 (try again), not 2 (bad input).
            sys.stderr.write(
                f"theodoi import: {path}: cơ sở dữ liệu báo lỗi ({type(exc).__name__}: "
                f"{' '.join(str(exc).split())}); chưa nhập gì. Xin chạy lại lệnh khi cơ sở dữ "
                "liệu hoạt động bình thường.\n"
            )
            raise SystemExit(1) from None
        summary, program, links = done.summary, done.program, done.links
        if options["format"] == "json":
            data = summary.to_dict()
            if links is not None:
                data["lineage"] = lineage_dict(program, links)
            self.stdout.write(json.dumps(data, ensure_ascii=False))
        else:
            text = render_summary(summary)
            if links is not None:
                text += render_lineage(program, links)
            self.stdout.write(text, ending="")

    def _links(self, values: list[str]) -> dict[str, str]:
        chosen: dict[str, str] = {}
        for value in values:
            key, sep, parent_key = value.partition("=")
            if not sep or not key.strip():
                self._fail(
                    f"theodoi import: --link {value!r}: cần dạng MÃ=MÃ_CẤP_TRÊN"
                    " (vd --link B.III.2/3=B.III.3.6/2; MÃ_CẤP_TRÊN trống: không gắn)"
                )
            chosen[key.strip()] = parent_key.strip()
        return chosen

    def _progress(self, message: str) -> None:
        sys.stderr.write(message + "\n")

    def _fail(self, message: str) -> None:
        """One line on stderr, exit status 2, nothing written to the database."""
        sys.stderr.write(message.replace("\n", " ") + "\n")
        raise SystemExit(2)


def _without_name(message: str, path) -> str:
    """The service names the file by its name; the command says the path it was given."""
    prefix = f"{Path(path).name}: "
    return message[len(prefix) :] if message.startswith(prefix) else message


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


def lineage_dict(program: Program, links: LinkResult) -> dict:
    """The lower-level program's links, for `--format json`."""
    parent = program.parent_program
    return {
        "parent": parent.number if parent else None,
        "parent_task": links.parent_task.key if links.parent_task else None,
        "parent_task_suggested": links.parent_task_suggested,
        "links": {p.key: p.parent.key if p.parent else None for p in links.proposals},
        **links.counts(),
    }


def render_lineage(program: Program, links: LinkResult) -> str:
    parent = program.parent_program
    lines = [f"Chương trình cấp trên: {parent.number}."]
    if links.parent_task is not None:
        how = " (theodoi chọn; --parent-task để chọn khác)" if links.parent_task_suggested else ""
        lines.append(f"Thực hiện nhiệm vụ {links.parent_task.key} của chương trình cấp trên{how}.")
    else:
        lines.append(
            "Chưa rõ nhiệm vụ nào của chương trình cấp trên giao xây dựng chương trình này;"
            " ghi --parent-task MÃ."
        )
    counts = links.counts()
    total, linked = len(links.proposals), len(links.linked)
    left_out = total - linked - counts["unlinked"]
    lines.append(
        f"Nhiệm vụ cấp trên: gắn {linked}/{total} nhiệm vụ"
        f" (văn bản ghi {counts[ParentLink.DOCUMENT] + counts[ParentLink.SECTION]},"
        f" theo nội dung {counts[ParentLink.SIMILARITY]},"
        f" người chọn {counts[ParentLink.PERSON] - left_out})"
        + (f"; {left_out} nhiệm vụ không gắn theo người chọn" if left_out else "")
        + "."
    )
    warnings = links.warnings()
    if warnings:
        lines.append(f"Cần xem lại ({len(warnings)}):")
        lines.extend(f"  {line}" for line in warnings)
    return "\n".join(lines) + "\n"
