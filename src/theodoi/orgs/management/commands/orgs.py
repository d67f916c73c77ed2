"""`theodoi orgs`: the organisation registry from the command line.

theodoi orgs load FILE | --example
theodoi orgs list [--unresolved]
theodoi orgs map UNRESOLVED_CODE TARGET_CODE
theodoi orgs reorganize --kind merge|split|rename|abolish --date DATE --from CODE ...
                        [--to CODE ...] [--new-code CODE --new-name NAME]
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.management.base import BaseCommand, CommandParser
from django.db.models import Count

from theodoi.orgs.models import Kind, Level, Organization, Reorganization
from theodoi.orgs.registry import load_registry_file
from theodoi.orgs.resolve import MappingError, map_unresolved
from theodoi.parsing.registry import RegistryError
from theodoi.programs.succession import ReorganizationError, record_reorganization

_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
# argparse's messages, said in Vietnamese.
_ARGPARSE = [
    (re.compile(r"the following arguments are required: (.*)"), r"thiếu tham số \1"),
    (re.compile(r"argument (\S+): invalid choice: (.*?) \(choose from (.*)\)"),
     r"tham số \1: giá trị \2 không hợp lệ (chọn \3)"),
    (re.compile(r"argument (\S+): expected at least one argument"), r"tham số \1 cần ít nhất một giá trị"),
    (re.compile(r"argument (\S+): expected one argument"), r"tham số \1 cần một giá trị"),
    (re.compile(r"unrecognized arguments: (.*)"), r"không hiểu tham số \1"),
]  # fmt: skip


class _Parser(CommandParser):
    """Usage errors from the command line as one line and exit status 2, not a usage block."""

    def error(self, message):
        if not self.called_from_command_line:
            super().error(message)  # CommandError, for call_command
        for pattern, replacement in _ARGPARSE:
            message = pattern.sub(replacement, message)
        self.exit(2, f"{self.prog}: {message} (xem {self.prog} --help)\n")


def parse_day(text: str) -> dt.date:
    """A date written YYYY-MM-DD or dd/mm/yyyy; ValueError (Vietnamese) otherwise."""
    text = text.strip()
    try:
        match = _DMY.match(text)
        if match:
            return dt.date(int(match[3]), int(match[2]), int(match[1]))
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"ngày '{text}' không hợp lệ (viết YYYY-MM-DD hoặc dd/mm/yyyy)") from None


def _day(day: dt.date | None) -> str:
    return f"{day:%d/%m/%Y}" if day else ""


class Command(BaseCommand):
    help = "Danh mục cơ quan: nạp tệp danh mục, xem, gắn tên chưa xác định, sắp xếp tổ chức."

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.__class__ = _Parser  # only error() differs
        return parser

    def add_arguments(self, parser) -> None:
        actions = parser.add_subparsers(
            dest="action", required=True, metavar="VIỆC", parser_class=_Parser
        )

        load = actions.add_parser("load", help="nạp tệp danh mục cơ quan (TOML)")
        load.add_argument("file", nargs="?", help="tệp danh mục (.toml)")
        load.add_argument(
            "--example", action="store_true", help="nạp danh mục mẫu (Quảng Ngãi 2020)"
        )

        show = actions.add_parser("list", help="liệt kê cơ quan")
        show.add_argument(
            "--unresolved", action="store_true", help="chỉ các tên chưa xác định, cần gắn"
        )

        mapping = actions.add_parser("map", help="gắn một tên chưa xác định vào một cơ quan")
        mapping.add_argument(
            "unresolved_code",
            metavar="UNRESOLVED_CODE",
            help="mã tên chưa xác định (unresolved:...)",
        )
        mapping.add_argument("target_code", metavar="TARGET_CODE", help="mã cơ quan trong danh mục")

        reorganize = actions.add_parser(
            "reorganize", help="sáp nhập, chia tách, đổi tên, giải thể cơ quan (và áp dụng)"
        )
        reorganize.add_argument(
            "--kind",
            required=True,
            choices=Reorganization.Kind.values,
            help="sáp nhập (merge), chia tách (split), đổi tên (rename), giải thể (abolish)",
        )
        reorganize.add_argument(
            "--date", required=True, help="ngày hiệu lực (YYYY-MM-DD hoặc dd/mm/yyyy)"
        )
        reorganize.add_argument(
            "--from",
            dest="predecessors",
            nargs="+",
            required=True,
            metavar="CODE",
            help="mã các cơ quan trước (bị sắp xếp)",
        )
        reorganize.add_argument(
            "--to",
            dest="successors",
            nargs="+",
            default=[],
            metavar="CODE",
            help="mã các cơ quan kế thừa đã có",
        )
        reorganize.add_argument("--new-code", help="mã của cơ quan kế thừa mới")
        reorganize.add_argument("--new-name", help="tên của cơ quan kế thừa mới")
        reorganize.add_argument("--new-kind", choices=Kind.values, help="loại của cơ quan mới")
        reorganize.add_argument("--new-level", choices=Level.values, help="cấp của cơ quan mới")
        reorganize.add_argument("--basis", default="", help="căn cứ (số văn bản, ngày)")

    def handle(self, *args, **options) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _load(self, options) -> None:
        if options["example"] and options["file"]:
            self._fail("theodoi orgs load: chỉ cần một trong hai: FILE hoặc --example")
        if not options["example"] and not options["file"]:
            self._fail("theodoi orgs load: cần tên tệp danh mục (FILE), hoặc --example")
        path = None if options["example"] else options["file"]
        try:
            load_registry_file(path, stdout=self.stdout)
        except RegistryError as exc:
            where = f"{path}: " if path else ""
            self._fail(f"theodoi orgs load: {where}{exc}")

    def _list(self, options) -> None:
        orgs = (
            Organization.objects.select_related("parent")
            .annotate(assigned=Count("assignments"))
            .order_by("code")
        )
        if options["unresolved"]:
            orgs = orgs.filter(unresolved=True)
            if not orgs:
                self.stdout.write("Không có tên cơ quan chưa xác định.")
                return
        orgs = list(orgs)
        if not orgs:
            self.stdout.write(
                "Chưa có cơ quan nào; nạp danh mục bằng `theodoi orgs load FILE` (hoặc --example)."
            )
            return
        width = max(len(org.code) for org in orgs)
        for org in orgs:
            details = []
            if org.unresolved:
                details.append(f"chưa xác định, {org.assigned} phân công")
            else:
                details.append(org.get_kind_display())
                if org.level:
                    details.append(f"cấp {org.get_level_display().lower()}")
                if org.parent:
                    details.append(f"trực thuộc {org.parent.code}")
            if org.valid_from:
                details.append(f"từ {_day(org.valid_from)}")
            if org.valid_to:
                details.append(f"đến {_day(org.valid_to)}")
            if org.assumed:
                details.append("thông tin giả định")
            self.stdout.write(f"{org.code:<{width}}  {org.name} ({'; '.join(details)})")
        noun = "tên chưa xác định" if options["unresolved"] else "cơ quan, đơn vị"
        self.stdout.write(f"Tổng: {len(orgs)} {noun}.")

    def _map(self, options) -> None:
        codes = (options["unresolved_code"], options["target_code"])
        found = {o.code: o for o in Organization.objects.filter(code__in=codes)}
        for code in codes:
            if code not in found:
                self._fail(f"theodoi orgs map: không có cơ quan mã {code}")
        unresolved, target = found[codes[0]], found[codes[1]]
        try:
            moved = map_unresolved(unresolved=unresolved, target=target)
        except MappingError as exc:
            self._fail(f"theodoi orgs map: {exc}")
        self.stdout.write(
            f"Đã gắn tên “{unresolved.name}” vào {target.name} ({target.code}):"
            f" {moved} phân công được chuyển; lần nhập sau tên này được nhận ra."
        )

    def _reorganize(self, options) -> None:
        try:
            effective = parse_day(options["date"])
            reorganization, summary = record_reorganization(
                kind=options["kind"],
                effective=effective,
                predecessors=options["predecessors"],
                successors=options["successors"],
                new_code=options["new_code"],
                new_name=options["new_name"],
                new_kind=options["new_kind"],
                new_level=options["new_level"],
                basis=options["basis"],
            )
        except (ReorganizationError, ValueError) as exc:
            self._fail(f"theodoi orgs reorganize: {exc}")
        if options["new_code"]:
            body = reorganization.successors.get(code=options["new_code"].strip())
            self.stdout.write(
                f"Đã tạo cơ quan mới {body.name} ({body.code}), hiệu lực từ {_day(body.valid_from)}."
            )
        for line in summary.lines():
            self.stdout.write(line)

    def _fail(self, message: str) -> None:
        """One line on stderr, exit status 2; the services left the database as it was."""
        self.stderr.write(message.replace("\n", " "))
        raise SystemExit(2)
