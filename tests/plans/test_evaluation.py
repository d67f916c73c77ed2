"""The annual evaluation of 2021 on the example program: a district's figures and its
secretary's (with the personal plan's items), recomputed here from the stored reports; the
thresholds change the suggestion; decisions are kept beside the suggestion; the command
prints and writes the same table."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import Client
from openpyxl import load_workbook

from theodoi.plans.evaluation import (
    EvaluationError,
    Figures,
    evaluate,
    record_decision,
    scale_for,
    set_scale,
)
from theodoi.plans.models import EvaluationDecision, EvaluationScale, Leader, Rating
from theodoi.programs.models import Occurrence
from theodoi.tracking.models import Extension, ProgressReport, ReportRevision
from theodoi.tracking.reports import review_report, save_report, submit_report

from .helpers import district_accounts, moment, sent_plan

pytestmark = pytest.mark.django_db
YEAR = 2021
CUTOFF = moment(dt.date(YEAR + 1, 1, 1), 0)


def report(user, occurrence, *, done_on=None, confirm_by=None, on: dt.date):
    """The body's report on ``occurrence``: done on ``done_on`` (or in progress), submitted
    on ``on``, confirmed by the office that day when ``confirm_by`` is given."""
    state = "done" if done_on else "in_progress"
    saved = save_report(user=user, occurrence=occurrence, expected_version=None, state=state,
                        narrative="Báo cáo", done_on=done_on, now=moment(on, 8))  # fmt: skip
    saved = submit_report(user=user, report=saved, expected_version=saved.version,
                          now=moment(on, 9))  # fmt: skip
    if confirm_by is not None:
        review_report(user=confirm_by, report=saved, expected_version=saved.version,
                      accept=True, now=moment(on, 16))  # fmt: skip


@pytest.fixture
def world(example, users):
    """Bình Sơn's secretary's plan sent on time; two plan items and three of the district's
    own 2021 periods reported; the rest left as they are."""
    bs = district_accounts()
    plan = sent_plan(example, bs.head, bs.staff)
    monitor = users["monitor"]
    items = list(
        Occurrence.objects.filter(assignment__task__program=plan.program).order_by("due_date")
    )
    report(bs.staff, items[0], done_on=dt.date(2021, 3, 30), confirm_by=monitor,
           on=dt.date(2021, 4, 2))  # fmt: skip
    report(bs.staff, items[1], done_on=dt.date(2021, 7, 15), confirm_by=monitor,
           on=dt.date(2021, 7, 16))  # fmt: skip
    own = Occurrence.objects.filter(
        assignment__task__program=example, assignment__organization=bs.district,
        due_date__year=YEAR,
    ).select_related("assignment__task")  # fmt: skip
    deadlines = [o for o in own if not _no_deadline(o)]
    continuous = [o for o in own if _no_deadline(o)]
    assert deadlines and continuous
    report(bs.staff, deadlines[0], done_on=deadlines[0].due_date - dt.timedelta(days=3),
           confirm_by=monitor, on=deadlines[0].due_date)  # fmt: skip
    if len(deadlines) > 1:  # reported done, never confirmed: still not done
        report(bs.staff, deadlines[1], done_on=deadlines[1].due_date, on=deadlines[1].due_date)
    report(bs.staff, continuous[0], on=continuous[0].due_date)  # reported, no deadline
    return bs, plan


# --- An independent count, from the stored rows -----------------------------------------------


def _no_deadline(occurrence: Occurrence) -> bool:
    task = occurrence.assignment.task
    if occurrence.source != "period":
        return False
    if task.time_kind == "continuous":
        return True
    if task.time_kind == "compound":
        kinds = {p.get("kind") for p in task.time.get("parts", [])}
        return "continuous" in kinds and not kinds & {"recurring", "ongoing"}
    return False


def expected(occurrences) -> Figures:
    """Count 2021 from the revisions: done when a revision before 1/1/2022 confirms it done
    (on time when its date is on or before the due date), reported when one reached the
    office. The tests make no extensions and withdraw nothing."""
    assert not Extension.objects.exists()
    figures = Figures()
    for o in occurrences.filter(due_date__year=YEAR).select_related("assignment__task"):
        assert o.status != Occurrence.Status.WITHDRAWN
        revisions = ReportRevision.objects.filter(
            report__occurrence=o, report__organization=o.assignment.organization, at__lt=CUTOFF
        )
        if not revisions.filter(status__in=["submitted", "confirmed"]).exists():
            figures.not_reported += 1
        if _no_deadline(o):
            figures.no_deadline += 1
            continue
        figures.due += 1
        confirmed = revisions.filter(status="confirmed", state="done").order_by("at").last()
        if confirmed is None:
            figures.overdue += 1
        elif confirmed.done_on <= o.due_date:
            figures.done_on_time += 1
        else:
            figures.done_late += 1
    return figures


def expected_rating(f: Figures, scale: EvaluationScale) -> str | None:
    if not f.due:
        return None
    done, on_time = 100 * f.done / f.due, 100 * f.done_on_time / f.due
    for rating, least_done, least_on_time in (
        ("excellent", scale.excellent_done, scale.excellent_on_time),
        ("good", scale.good_done, scale.good_on_time),
        ("pass", scale.pass_done, scale.pass_on_time),
    ):
        if done >= least_done and on_time >= least_on_time:
            return rating
    return "fail"


# --- The figures --------------------------------------------------------------------------------


def test_a_bodys_figures_are_its_2021_work_as_of_31_december(example, world):
    bs, _plan = world
    result = evaluate(example, YEAR)
    rows = {r.organization.code: r for r in result.bodies}
    district = rows["qn.hu-binhson"]
    mine = Occurrence.objects.filter(
        assignment__task__program=example, assignment__organization=bs.district
    )
    want = expected(mine)
    assert district.figures == want
    assert want.done_on_time >= 1 and want.overdue >= 1 and want.no_deadline >= 1
    assert district.figures.done_rate == want.done / want.due
    assert district.suggestion == expected_rating(want, scale_for(example))
    # Every body owing 2021 work has a row, and the rows add up to the program's 2021 work.
    total = sum((r.figures for r in result.bodies), Figures())
    program_2021 = Occurrence.objects.filter(
        assignment__task__program=example, assignment__organization__isnull=False,
        due_date__year=YEAR,
    )  # fmt: skip
    assert total.due + total.no_deadline == program_2021.count()
    assert result.as_of == dt.date(2021, 12, 31)


def test_the_secretary_is_counted_with_the_plan_items(example, world):
    bs, plan = world
    result = evaluate(example, YEAR)
    row = next(r for r in result.leaders if r.leader == plan.leader)
    body = expected(
        Occurrence.objects.filter(
            assignment__task__program=example, assignment__organization=bs.district
        )
    )
    items = expected(Occurrence.objects.filter(assignment__task__program=plan.program))
    assert (items.due, items.done_on_time, items.done_late, items.overdue) == (3, 1, 1, 1)
    assert row.plan.figures == items
    assert row.body_figures == body
    assert row.figures == body + items
    assert (row.plan.approved_on, row.plan.sent_on) == (plan.approved_on, dt.date(2021, 3, 20))
    assert row.plan.approved_on_time and row.plan.sent_on_time
    assert row.reasons == []
    assert row.suggestion == expected_rating(body + items, scale_for(example))


def test_a_leader_without_a_plan_is_suggested_a_level_lower(example, world):
    bs, _plan = world
    deputy = Leader.objects.create(organization=bs.district, name="Phạm Văn Dũng",
                                   position="Chủ tịch UBND huyện Bình Sơn")  # fmt: skip
    set_scale(user=_admin(), program=example, excellent_done=0, excellent_on_time=0,
              good_done=0, good_on_time=0, pass_done=0, pass_on_time=0)  # fmt: skip
    result = evaluate(example, YEAR)
    row = next(r for r in result.leaders if r.leader == deputy)
    assert row.plan.plan is None
    assert row.reasons == ["Chưa có kế hoạch hành động cá nhân."]
    assert row.suggestion == Rating.GOOD  # everything meets 0%: excellent, lowered one level


def _admin():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="admin")


# --- The thresholds -----------------------------------------------------------------------------


def test_the_thresholds_change_the_suggestion(example, world, users):
    _bs, _plan = world

    def district():
        rows = {r.organization.code: r for r in evaluate(example, YEAR).bodies}
        return rows["qn.hu-binhson"]

    assert not EvaluationScale.objects.exists()  # the defaults, unsaved
    f = district().figures
    lenient = set_scale(user=users["admin"], program=example, excellent_done=0,
                        excellent_on_time=0, good_done=0, good_on_time=0, pass_done=0,
                        pass_on_time=0)  # fmt: skip
    assert district().suggestion == "excellent" == expected_rating(f, lenient)
    strict = set_scale(user=users["admin"], program=example, excellent_done=100,
                       excellent_on_time=100, good_done=100, good_on_time=100, pass_done=100,
                       pass_on_time=100)  # fmt: skip
    assert f.done < f.due
    assert district().suggestion == "fail" == expected_rating(f, strict)
    assert EvaluationScale.objects.count() == 1


def test_unordered_thresholds_are_refused_and_nothing_is_written(example, users):
    set_scale(user=users["admin"], program=example, excellent_done=95)
    with pytest.raises(ValidationError) as refused:
        set_scale(user=users["admin"], program=example, excellent_done=80, good_done=90)
    assert refused.value.message_dict["excellent_done"] == [
        "Các ngưỡng phải theo thứ tự: mức “Hoàn thành xuất sắc nhiệm vụ” không được thấp hơn "
        "mức “Hoàn thành tốt nhiệm vụ”."
    ]
    with pytest.raises(ValidationError, match="từ 0 đến 100"):
        set_scale(user=users["admin"], program=example, pass_on_time=150)
    stored = EvaluationScale.objects.get()
    assert (stored.excellent_done, stored.good_done, stored.pass_on_time) == (95, 90, 50)
    with pytest.raises(PermissionDenied):
        set_scale(user=users["monitor"], program=example, excellent_done=99)


# --- Decisions ----------------------------------------------------------------------------------


def test_a_decision_is_kept_beside_the_suggestion_and_a_second_keeps_the_first(
    example, world, users
):
    bs, plan = world
    first = record_decision(user=users["monitor"], program=example, year=YEAR,
                            leader=plan.leader, rating=Rating.GOOD,
                            comment="Hoàn thành tốt; cần khắc phục việc chậm.")  # fmt: skip
    row = next(r for r in evaluate(example, YEAR).leaders if r.leader == plan.leader)
    assert first.suggested_rating == row.suggestion
    assert first.figures["due"] == row.figures.due
    assert first.figures["plan"]["items"]["done_late"] == 1
    assert (row.decision, row.decisions) == (first, 1)

    second = record_decision(user=users["leader"], program=example, year=YEAR,
                             leader=plan.leader, rating=Rating.EXCELLENT, comment="Xét lại")  # fmt: skip
    row = next(r for r in evaluate(example, YEAR).leaders if r.leader == plan.leader)
    assert (row.decision, row.decisions) == (second, 2)
    kept = list(EvaluationDecision.objects.filter(leader=plan.leader).order_by("decided_at"))
    assert [(d.rating, d.comment, d.decided_by.username) for d in kept] == [
        ("good", "Hoàn thành tốt; cần khắc phục việc chậm.", "monitor"),
        ("excellent", "Xét lại", "leader"),
    ]
    body = record_decision(user=users["admin"], program=example, year=YEAR,
                           organization=bs.district, rating=Rating.PASS)  # fmt: skip
    assert body.suggested_rating == next(
        r.suggestion for r in evaluate(example, YEAR).bodies if r.organization == bs.district
    )


def test_only_the_evaluators_decide_and_bad_input_writes_nothing(example, world, users):
    bs, plan = world
    for who in ("staff", "head", "outsider"):
        with pytest.raises(PermissionDenied):
            record_decision(user=users[who], program=example, year=YEAR,
                            organization=bs.district, rating=Rating.PASS)  # fmt: skip
    with pytest.raises(EvaluationError, match="mức xếp loại"):
        record_decision(user=users["monitor"], program=example, year=YEAR,
                        organization=bs.district, rating="very good")  # fmt: skip
    with pytest.raises(EvaluationError, match="một cơ quan hoặc một người"):
        record_decision(user=users["monitor"], program=example, year=YEAR,
                        organization=bs.district, leader=plan.leader, rating=Rating.PASS)  # fmt: skip
    assert not EvaluationDecision.objects.exists()


# --- The command --------------------------------------------------------------------------------


def test_the_command_prints_and_writes_the_table(example, world, tmp_path):
    bs, plan = world
    out = io.StringIO()
    call_command("evaluate", "--program", example.number, "--year", "2021", stdout=out)
    printed = out.getvalue()
    assert "Huyện ủy Bình Sơn" in printed and plan.leader.name in printed

    path = tmp_path / "danh-gia-2021.xlsx"
    call_command("evaluate", "--program", example.number, "--year", "2021", "--format", "xlsx",
                 "--output", str(path), stdout=io.StringIO())  # fmt: skip
    book = load_workbook(path)
    bodies, leaders = book.worksheets
    assert bodies.freeze_panes == "A2" and bodies.auto_filter.ref
    result = evaluate(example, YEAR)
    by_name = {r[0].value: r for r in bodies.iter_rows(min_row=2)}
    district = next(r for r in result.bodies if r.organization == bs.district)
    cells = by_name["Huyện ủy Bình Sơn"]
    assert [c.value for c in cells[1:7]] == [
        district.figures.due, district.figures.done_on_time, district.figures.done_late,
        district.figures.overdue, district.figures.no_deadline, district.figures.not_reported,
    ]  # fmt: skip
    assert cells[7].value == pytest.approx(district.figures.done_rate)
    assert cells[7].number_format == "0%"
    secretary = next(r for r in leaders.iter_rows(min_row=2) if r[0].value == plan.leader.name)
    assert secretary[13].value == dt.datetime(2021, 3, 15)  # approved on, a real date


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--program", "KHONG-CO", "--year", "2021"], "không có chương trình số KHONG-CO"),
        (["--year", "hai nghìn"], "năm không hợp lệ"),
        (["--year", "2021", "--format", "xlsx"], "cần --output"),
    ],
)
def test_the_command_says_what_is_wrong(example, args, message, capsys):
    if "--program" not in args:
        args = ["--program", example.number, *args]
    with pytest.raises(SystemExit) as exited:
        call_command("evaluate", *args, stdout=io.StringIO())
    assert exited.value.code == 2
    assert message in capsys.readouterr().err
    assert not ProgressReport.objects.exists()


def test_the_thresholds_are_edited_in_the_admin_and_checked_there(example, users):
    admin_user = users["admin"]
    admin_user.is_staff = True
    admin_user.save()
    client = Client()
    client.force_login(admin_user)
    values = {"program": example.pk, "excellent_done": 80, "excellent_on_time": 70,
              "good_done": 90, "good_on_time": 60, "pass_done": 70, "pass_on_time": 50}  # fmt: skip
    refused = client.post("/admin/plans/evaluationscale/add/", values)
    assert refused.status_code == 200
    assert "Các ngưỡng phải theo thứ tự" in refused.content.decode()
    assert not EvaluationScale.objects.exists()
    values["excellent_done"] = 95
    assert client.post("/admin/plans/evaluationscale/add/", values).status_code == 302
    assert scale_for(example).excellent_done == 95
    # The office sees the thresholds but does not change them.
    monitor = users["monitor"]
    monitor.is_staff = True
    monitor.save()
    client.force_login(monitor)
    assert client.get("/admin/plans/evaluationscale/").status_code == 200
    assert client.post("/admin/plans/evaluationscale/add/", values).status_code == 403
