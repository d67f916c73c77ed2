"""The Q2/2021 report's content, checked against figures recomputed from the database
(tests/reporting/expected.py), and the frame of both document formats."""

from __future__ import annotations

import datetime as dt

import pytest

from theodoi.orgs.models import Organization
from theodoi.programs.models import Program
from theodoi.reporting.content import ReportContentError, build_report, format_rate
from theodoi.reporting.frame import profile_for
from theodoi.reporting.models import DocumentFormat, IssuerProfile
from theodoi.reporting.periods import parse_period

from .expected import expected_q2

Q2 = parse_period("2021-Q2")


def test_q2_figures_match_the_database(history):
    report = build_report(history.program, Q2, number="12", day=dt.date(2021, 7, 5))
    expected = expected_q2(history.program)
    assert report.as_of == dt.date(2021, 6, 30)
    t = report.total
    assert expected.due > 50 and expected.buckets["open_overdue"] > 5  # a real history
    assert (t.done_on_time, t.done_late, t.open_overdue, t.open_in_time, t.no_deadline) == (
        expected.buckets["done_on_time"], expected.buckets["done_late"],
        expected.buckets["open_overdue"], expected.buckets["open_in_time"],
        expected.buckets["no_deadline"],
    )  # fmt: skip
    assert t.due == expected.due and t.done == expected.done
    assert t.rate_text == expected.rate_text
    # The tasks the program's page counts (withdrawn ones left out), not only those owed.
    assert report.tasks == history.program.tasks.filter(withdrawn_in__isnull=True).count()
    assert {line.label: (line.done_on_time, line.done_late, line.open_overdue, line.total)
            for line in report.by_body} == {
        name: (c["done_on_time"], c["done_late"], c["open_overdue"], sum(c.values()))
        for name, c in expected.by_body.items()
    }  # fmt: skip
    # The areas add up to the whole.
    assert sum(line.total for line in report.by_area) == t.total
    assert sum(line.open_overdue for line in report.by_area) == t.open_overdue

    assert {i.occurrence_id for i in report.done_in_period} == expected.done_in_quarter
    assert {i.occurrence_id: i.days_late for i in report.overdue} == expected.overdue
    assert len(report.extensions) == expected.extensions_in_quarter

    # The chosen cases.
    done_ids = {i.occurrence_id for i in report.done_in_period}
    assert history.evidence.pk in done_ids
    assert history.extended.pk in done_ids  # done by the extended date: on time
    assert history.before.pk not in done_ids  # confirmed in Q1
    assert history.confirmed_after.pk not in done_ids  # confirmed on 02/07: not yet done
    item = next(i for i in report.done_in_period if i.occurrence_id == history.evidence.pk)
    assert item.evidence.text == "Kế hoạch số 15-KH/BTCTU ngày 20/04/2021"
    assert item.body == "Ban Tổ chức Tỉnh ủy" and item.done_on == dt.date(2021, 4, 20)
    extension = next(e for e in report.extensions if e.task_key == "B.III.1.2/2")
    assert (extension.original_due, extension.new_due, extension.decided_on) == (
        dt.date(2021, 3, 31), dt.date(2021, 5, 31), dt.date(2021, 4, 5),
    )  # fmt: skip

    # The text says the same figures.
    text = " ".join(report.summary)
    assert f"{t.due} lượt đã đến hạn" in text and expected.rate_text in text
    assert f"còn {t.open_overdue} lượt chưa hoàn thành" in text
    # Proposals name the bodies with the most overdue work.
    worst = max(expected.by_body.items(), key=lambda kv: kv[1]["open_overdue"])
    assert report.proposals_generated
    assert f"({worst[1]['open_overdue']} lượt)" in report.proposals[0]


def test_own_proposals_replace_the_generated_ones(example):
    report = build_report(
        example, Q2, proposals="Đề nghị Ban Thường vụ cho ý kiến.\n\nĐề nghị bổ sung kinh phí."
    )
    assert report.proposals == ["Đề nghị Ban Thường vụ cho ý kiến.", "Đề nghị bổ sung kinh phí."]
    assert not report.proposals_generated


def test_the_figures_are_as_of_the_period_end_not_today(history):
    """The same Q2 report made later reads the same history: confirmations after 30/06 are
    not counted."""
    early = build_report(history.program, Q2, today=dt.date(2021, 7, 1))
    late = build_report(history.program, Q2, today=dt.date(2026, 1, 1))
    assert early.total == late.total
    q3 = build_report(history.program, parse_period("2021-Q3"), today=dt.date(2021, 7, 10))
    assert q3.as_of == dt.date(2021, 7, 10)  # a period not over yet: as of today
    # Done on 28/06 but confirmed on 02/07: listed in Q3, the period its confirmation came in.
    assert history.confirmed_after.pk in {i.occurrence_id for i in q3.done_in_period}


def test_a_period_not_begun_is_refused(example):
    with pytest.raises(ReportContentError, match="chưa bắt đầu"):
        build_report(example, parse_period("2099"), today=dt.date(2026, 1, 1))


def test_party_frame_of_the_example(example):
    report = build_report(example, Q2, number="123", day=dt.date(2021, 2, 5))
    f = report.frame
    assert f.is_party
    assert f.superior_lines == ["ĐẢNG BỘ TỈNH QUẢNG NGÃI"] and f.issuer_lines == ["TỈNH ỦY"]
    assert f.number_line == "Số 123-BC/TU"
    assert f.place_date == "Quảng Ngãi, ngày 05 tháng 02 năm 2021"
    assert f.national_lines == ["ĐẢNG CỘNG SẢN VIỆT NAM"]
    assert f.type_name == "BÁO CÁO"
    assert f.subject.startswith("Kết quả thực hiện Chương trình hành động thực hiện Nghị quyết")
    assert f.subject.endswith("quý II năm 2021")
    # The program's title, but not the name of who signed it in 2020: the form sets today's.
    assert (f.on_behalf, f.signer_title, f.signer_name) == (
        "T/M BAN THƯỜNG VỤ", example.signer["title"], "",
    )  # fmt: skip
    assert f.recipients == example.recipients
    draft = build_report(example, Q2, day=dt.date(2021, 11, 15)).frame
    assert draft.number_line.startswith("Số ") and draft.number_line.endswith("-BC/TU")
    assert not any(ch.isdigit() for ch in draft.number_line)
    assert draft.place_date == "Quảng Ngãi, ngày 15 tháng 11 năm 2021"


def test_state_frame_for_a_peoples_committee(example):
    example.issuer = Organization.objects.get(code="qn.ubnd")
    example.save()
    f = build_report(example, Q2, number="12", day=dt.date(2021, 3, 7)).frame
    assert not f.is_party
    assert f.issuer_lines == ["ỦY BAN NHÂN DÂN", "TỈNH QUẢNG NGÃI"] and f.superior_lines == []
    assert f.number_line == "Số: 12/BC-UBND"
    assert f.national_lines == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    assert f.place_date == "Quảng Ngãi, ngày 07 tháng 3 năm 2021"  # ND 30: no zero for March
    assert f.on_behalf == "TM. ỦY BAN NHÂN DÂN" and f.signer_title == "CHỦ TỊCH"


def test_a_stored_profile_wins(example):
    IssuerProfile.objects.create(
        organization=example.issuer, format=DocumentFormat.PARTY,
        superior_line="ĐẢNG BỘ TỈNH QUẢNG NGÃI", issuer_line="TỈNH ỦY", abbreviation="TU",
        place="Quảng Ngãi", on_behalf="T/M TỈNH ỦY", signer_title="PHÓ BÍ THƯ THƯỜNG TRỰC",
        signer_name="Đặng Văn Minh", recipients="Ban Bí thư (báo cáo)\nLưu Văn phòng Tỉnh ủy",
    )  # fmt: skip
    f = build_report(example, Q2, day=dt.date(2021, 7, 5)).frame
    assert (f.on_behalf, f.signer_title, f.signer_name) == (
        "T/M TỈNH ỦY", "PHÓ BÍ THƯ THƯỜNG TRỰC", "Đặng Văn Minh",
    )  # fmt: skip
    assert f.recipients == ["Ban Bí thư (báo cáo)", "Lưu Văn phòng Tỉnh ủy"]


@pytest.mark.parametrize(
    ("code", "fmt", "superior", "issuer", "abbreviation"),
    [
        ("qn.btctu", "party", "TỈNH ỦY QUẢNG NGÃI", "BAN TỔ CHỨC", "BTCTU"),
        ("qn.snv", "state", "UBND TỈNH QUẢNG NGÃI", "SỞ NỘI VỤ", "SNV"),
        ("qn.hu-binhson", "party", "ĐẢNG BỘ HUYỆN BÌNH SƠN", "HUYỆN ỦY", "HU"),
    ],
)
def test_derived_profiles(example, code, fmt, superior, issuer, abbreviation):
    profile = profile_for(Organization.objects.get(code=code))
    assert (profile.format, profile.superior_line, profile.issuer_line, profile.abbreviation) == (
        fmt, superior, issuer, abbreviation,
    )  # fmt: skip


def test_program_without_a_registered_issuer(db):
    program = Program.objects.create(
        number="05-KH/UBND",
        title="Kế hoạch thực hiện",
        issuer_name="Ủy ban nhân dân huyện Sơn Tịnh",
    )
    f = build_report(program, Q2, number="7", day=dt.date(2021, 7, 5)).frame
    assert f.number_line == "Số: 7/BC-UBND" and f.place_date.startswith("Sơn Tịnh, ngày 05")


def test_format_rate():
    assert format_rate(None) == "-" and format_rate(0.779) == "77,9%" and format_rate(1) == "100,0%"
