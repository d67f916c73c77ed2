"""`theodoi parse FILE`: read a program document and print its structure."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import ClassVar

from django.core.management.base import BaseCommand

from theodoi.parsing import ParseError, example_path, load_registry, parse_file
from theodoi.parsing.registry import RegistryError
from theodoi.parsing.render import render_text
from theodoi.programs.importer import read_limits


class Command(BaseCommand):
    help = "Đọc văn bản chương trình (.md, .txt, .docx, .pdf) và in cấu trúc nhiệm vụ."
    requires_system_checks: ClassVar[list[str]] = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", nargs="?", help="the program document (.md, .txt, .docx, .pdf)")
        parser.add_argument(
            "--example", action="store_true", help="parse the bundled example program"
        )
        parser.add_argument("--format", choices=["text", "json"], default="text")
        parser.add_argument(
            "--registry", help="organisation registry file (TOML); default: the bundled one"
        )

    def handle(self, *args, **options) -> None:
        path = example_path() if options["example"] else options["file"]
        if path is None:
            self._fail(
                "theodoi parse: cần tên tệp văn bản (FILE), hoặc --example để đọc chương trình mẫu"
            )
        try:
            registry = load_registry(options["registry"]) if options["registry"] else None
        except RegistryError as exc:
            self._fail(f"theodoi parse: {options['registry']}: danh mục cơ quan: {exc}")
        except OSError as exc:
            self._fail(
                f"theodoi parse: {options['registry']}: không đọc được danh mục cơ quan: {exc.strerror}"
            )
        try:
            draft = parse_file(path, registry=registry, limits=read_limits())
        except ParseError as exc:
            self._fail(f"theodoi parse: {path}: {exc}")
        if options["format"] == "json":
            output = json.dumps(draft.to_dict(), ensure_ascii=False, indent=2)
        else:
            output = render_text(draft)
        self.stdout.write(output, ending="\n" if options["format"] == "json" else "")

    def _fail(self, message: str) -> None:
        """One line on stderr, exit status 2, nothing on stdout."""
        sys.stderr.write(message.replace("\n", " ") + "\n")
        raise SystemExit(2)


__all__ = ["Command", "Path"]
