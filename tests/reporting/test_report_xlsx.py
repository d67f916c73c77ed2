"""The statistics workbook read back with openpyxl: one sheet per view, the recomputed
figures as numbers, dates as dates shown dd/mm/yyyy, frozen headers and filters."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import load_workbook

from theodoi.programs.models import Occurrence
from theodoi.reporting.content import build_report
from theodoi.reporting.periods import parse_period
from theodoi.reporting.statistics import render_xlsx

from .expected import expected_q2


def test_workbook(history):
    report = build_report(history.program, parse_period("2021-Q2"), day=dt.date(2021, 7, 5))
    book = load_workbook(io.BytesIO(render_xlsx(report)))
    assert book.sheetnames == ["Tổng hợp", "Theo lĩnh vực", "Theo cơ quan", "Quá hạn",
                               "Tất cả các kỳ"]  # fmt: skip
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == sheet.dimensions
        assert all(cell.value for cell in sheet[1])  # a header over every column
    expected = expected_q2(history.program)

    summary = {row[0]: row[1] for row in book["Tổng hợp"].iter_rows(min_row=2, values_only=True)}
    assert summary["Đến hạn"] == expected.due
    assert summary["Hoàn thành đúng hạn"] == expected.buckets["done_on_time"]
    assert summary["Hoàn thành quá hạn"] == expected.buckets["done_late"]
    assert summary["Quá hạn chưa hoàn thành"] == expected.buckets["open_overdue"]
    assert summary["Số nhiệm vụ"] == history.program.tasks.filter(withdrawn_in__isnull=True).count()
    assert abs(summary["Tỷ lệ hoàn thành"] - expected.done / expected.due) < 1e-9
    assert summary["Số liệu tính đến hết ngày"] == dt.datetime(2021, 6, 30)

    bodies = book["Theo cơ quan"]
    header = [c.value for c in bodies[1]]
    assert header[:6] == ["Cơ quan, đơn vị", "Được giao", "Đến hạn", "Hoàn thành đúng hạn",
                          "Hoàn thành quá hạn", "Quá hạn chưa hoàn thành"]  # fmt: skip
    rows = {r[0]: r for r in bodies.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == set(expected.by_body)
    for name, counts in expected.by_body.items():
        row = rows[name]
        assert row[1:6] == (
            sum(counts.values()),
            counts["done_on_time"] + counts["done_late"] + counts["open_overdue"],
            counts["done_on_time"], counts["done_late"], counts["open_overdue"],
        )  # fmt: skip
        assert all(isinstance(v, int) for v in row[1:9])
    areas = list(book["Theo lĩnh vực"].iter_rows(min_row=2, values_only=True))
    assert sum(r[2] for r in areas) == sum(expected.buckets.values())

    overdue = book["Quá hạn"]
    assert overdue.max_row - 1 == len(expected.overdue)
    late_column = [c.value for c in overdue[1]].index("Số ngày chậm")
    assert sorted(r[late_column] for r in overdue.iter_rows(min_row=2, values_only=True)) == sorted(
        expected.overdue.values()
    )

    everything = book["Tất cả các kỳ"]
    header = [c.value for c in everything[1]]
    assert header[:5] == ["Mã nhiệm vụ", "Nội dung nhiệm vụ", "Cơ quan", "Vai trò", "Kỳ"]
    assert (
        everything.max_row - 1
        == Occurrence.objects.filter(
            assignment__task__program=history.program, assignment__organization__isnull=False
        ).count()
    )
    due, done_on, number, date = (header.index(h) + 1 for h in (
        "Hạn", "Ngày hoàn thành", "Số, ký hiệu văn bản", "Ngày văn bản"))  # fmt: skip
    found = None
    for row in everything.iter_rows(min_row=2):
        assert isinstance(row[due - 1].value, dt.datetime)
        assert row[due - 1].number_format == "dd/mm/yyyy"
        if row[number - 1].value == "15-KH/BTCTU":
            found = row
    assert found is not None
    assert found[done_on - 1].value == dt.datetime(2021, 4, 20)
    assert found[done_on - 1].number_format == "dd/mm/yyyy"
    assert found[date - 1].value == dt.datetime(2021, 4, 20)
    assert found[2].value == "Ban Tổ chức Tỉnh ủy"
    assert book["Tất cả các kỳ"].column_dimensions["B"].width >= 50
