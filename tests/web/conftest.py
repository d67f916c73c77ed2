"""Fixtures the web tests share."""

from __future__ import annotations

import pytest

from theodoi.orgs.registry import load_registry_file
from theodoi.programs.importer import import_program
from theodoi.programs.lineage import example_district, link_lower_program
from theodoi.programs.models import Program


@pytest.fixture
def district(example) -> Program:
    """Bình Sơn's sample program, imported under the example (a lower-level program)."""
    path, registry = example_district()
    load_registry_file(registry)
    summary = import_program(path=path, parent=example.number)
    program = Program.objects.get(number=summary.program)
    link_lower_program(program=program)
    return program
