"""The iCal feed of due dates on the example program: a body's open work on its due dates in
force, read through a secret address per person, refused (404) to anyone the policy does not
let see that body; and `theodoi calendar`, which prints the address once."""

from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata
import zoneinfo
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from icalendar import Calendar

from theodoi.orgs.models import Organization
from theodoi.orgs.registry import load_registry_file
from theodoi.parsing import example_path
from theodoi.programs.importer import import_program
from theodoi.programs.models import Occurrence
from theodoi.tracking.calendar import feed_for, feed_url, issue_feed, user_for_token
from theodoi.tracking.extensions import decide_extension, effective_due, request_extension
from theodoi.tracking.management.commands.calendar import Command as CalendarCommand
from theodoi.tracking.models import CalendarFeed, Membership, Role
from theodoi.tracking.reports import review_report, save_report, submit_report

pytestmark = pytest.mark.django_db
HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
D = dt.date
SITE = "https://theodoi.example.vn"
TASK = "B.III.1.3/2"  # "Xây dựng Kế hoạch ... tinh giản biên chế", Ban Tổ chức chủ trì, quý I/2021


def at(year: int, month: int, day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=HCM)


def member(username: str, org_code: str | None, role: str = Role.STAFF):
    user = get_user_model().objects.create_user(username, password="x")
    if org_code is not None:
        Membership.objects.create(
            user=user, organization=Organization.objects.get(code=org_code), role=role
        )
    return user


@pytest.fixture(autouse=True)
def site(settings):
    settings.THEODOI_SITE_URL = SITE


@pytest.fixture
def world():
    load_registry_file(None)
    import_program(path=example_path())
    return {
        "staff": member("to-chuc", "qn.btctu", Role.STAFF),
        "monitor": member("van-phong", "qn.vptu", Role.MONITOR),
        "outsider": member("tuyen-giao", "qn.btgtu", Role.STAFF),
        "occurrence": Occurrence.objects.select_related("assignment__task").get(
            assignment__task__key=TASK, assignment__organization__code="qn.btctu"
        ),
    }


def get(url: str):
    """Fetch a feed as a calendar program would, by its absolute address."""
    assert url.startswith(SITE)
    return Client().get(url.removeprefix(SITE))


def events(response) -> dict[str, dt.date]:
    """The feed's events as UID -> date, after checking the response is a calendar."""
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    return {str(e["uid"]): e.decoded("dtstart") for e in calendar.events}


def uid(occurrence: Occurrence) -> str:
    return f"occurrence-{occurrence.pk}@theodoi"


def btctu_open() -> dict[str, dt.date]:
    rows = Occurrence.objects.filter(assignment__organization__code="qn.btctu").exclude(
        status=Occurrence.Status.WITHDRAWN
    )
    return {uid(o): o.due_date for o in rows}


def report_done(world, confirmed: dt.datetime) -> None:
    staff, monitor, occurrence = world["staff"], world["monitor"], world["occurrence"]
    report = save_report(
        user=staff, occurrence=occurrence, expected_version=None, state="done",
        done_on=D(2021, 3, 20), narrative="Đã ban hành Kế hoạch số 12-KH/TU ngày 20/3/2021.",
        now=at(2021, 3, 22),
    )  # fmt: skip
    report = submit_report(
        user=staff, report=report, expected_version=report.version, now=at(2021, 3, 23)
    )
    review_report(
        user=monitor, report=report, expected_version=report.version, accept=True, now=confirmed
    )


# --- What a feed holds -------------------------------------------------------------------------


def test_own_feed_holds_the_bodys_open_due_dates_and_nothing_else(world):
    token = issue_feed(world["staff"])
    response = get(feed_url(token))
    found = events(response)
    assert found == btctu_open()
    assert len(found) > 50  # the example gives Ban Tổ chức about ninety periods and deadlines

    calendar = Calendar.from_ical(response.content)
    assert str(calendar["x-wr-calname"]) == "Hạn nhiệm vụ: Ban Tổ chức Tỉnh ủy"
    assert str(calendar["x-wr-timezone"]) == "Asia/Ho_Chi_Minh"
    occurrence = world["occurrence"]
    event = next(e for e in calendar.events if str(e["uid"]) == uid(occurrence))
    summary, description = str(event["summary"]), str(event["description"])
    assert summary.startswith("Hạn: Xây dựng Kế hoạch tiếp tục đẩy mạnh thực hiện tinh giản")
    assert summary.endswith(f"({occurrence.label})") and len(summary) < 120
    assert f"Nhiệm vụ {TASK}:" in description
    assert "Vai trò của Ban Tổ chức Tỉnh ủy: tham mưu, thực hiện, chủ trì" in description
    assert f"Kỳ: {occurrence.label}" in description
    assert "Hạn ban đầu" not in description  # not extended
    assert str(event["url"]) == f"{SITE}/tasks/{occurrence.assignment.task_id}/"
    assert event.decoded("dtend") == occurrence.due_date + dt.timedelta(days=1)
    for text in (summary, description, str(calendar["x-wr-calname"])):
        assert text == unicodedata.normalize("NFC", text)


def test_an_approved_extension_moves_the_event_and_confirmed_work_drops_out(world):
    staff, monitor, occurrence = world["staff"], world["monitor"], world["occurrence"]
    url = feed_url(issue_feed(staff))
    before = events(get(url))
    assert before[uid(occurrence)] == D(2021, 3, 31)

    extension = request_extension(
        user=staff, occurrence=occurrence, new_due=D(2021, 6, 30),
        reason="Chờ hướng dẫn của Trung ương.", now=at(2021, 3, 10),
    )  # fmt: skip
    assert events(get(url)) == before  # asked, not yet decided: nothing moves
    decide_extension(user=monitor, extension=extension, approve=True, now=at(2021, 3, 15))
    moved = events(get(url))
    assert moved[uid(occurrence)] == D(2021, 6, 30) == effective_due(occurrence)
    assert {k: v for k, v in moved.items() if k != uid(occurrence)} == {
        k: v for k, v in before.items() if k != uid(occurrence)
    }
    calendar = Calendar.from_ical(get(url).content)
    event = next(e for e in calendar.events if str(e["uid"]) == uid(occurrence))
    assert "Hạn ban đầu: 31/03/2021; đã gia hạn đến 30/06/2021." in str(event["description"])

    report_done(world, confirmed=at(2021, 3, 25))
    after = events(get(url))
    assert uid(occurrence) not in after
    assert set(after) == set(before) - {uid(occurrence)}


def test_done_is_judged_as_of_the_day_asked(world):
    report_done(world, confirmed=at(2021, 4, 5))
    organization = Organization.objects.get(code="qn.btctu")

    def uids(day: dt.date) -> set[str]:
        body = feed_for(world["staff"], organization, today=day)
        return {str(e["uid"]) for e in Calendar.from_ical(body).events}

    assert uid(world["occurrence"]) in uids(D(2021, 4, 4))  # not yet confirmed that day
    assert uid(world["occurrence"]) not in uids(D(2021, 4, 5))


def test_a_regular_period_drops_out_once_reported(world):
    """ "Thường xuyên" has no deadline: what a period owes is its report."""
    period = Occurrence.objects.get(
        assignment__task__key="B.III.1.3/5",
        assignment__organization__code="qn.btctu",
        label="6 tháng đầu năm 2020",
    )
    url = feed_url(issue_feed(world["staff"]))
    assert uid(period) in events(get(url))
    report = save_report(
        user=world["staff"], occurrence=period, expected_version=None, state="in_progress",
        narrative="Đã triển khai trong 6 tháng đầu năm.", now=at(2020, 6, 25),
    )  # fmt: skip
    submit_report(
        user=world["staff"], report=report, expected_version=report.version, now=at(2020, 6, 26)
    )
    assert uid(period) not in events(get(url))


def test_a_directing_body_answers_for_a_task_whose_doers_are_unnamed(world):
    """B.I.3 names no body that carries it out: Ban Tuyên giáo, which directs it, owes it."""
    rows = Occurrence.objects.filter(
        assignment__task__key="B.I.3", assignment__organization__code="qn.btgtu"
    ).select_related("assignment")
    assert rows and all(o.assignment.roles == ["directs"] for o in rows)
    token = issue_feed(world["outsider"])
    assert {uid(o) for o in rows} <= set(events(get(feed_url(token))))


def test_uids_and_dates_are_the_same_from_one_fetch_to_the_next(world):
    url = feed_url(issue_feed(world["staff"]))
    first, second = events(get(url)), events(get(url))
    assert first == second
    assert all(re.fullmatch(r"occurrence-\d+@theodoi", key) for key in first)


def test_the_feed_costs_a_few_queries_whatever_its_size(world, django_assert_max_num_queries):
    organization = Organization.objects.get(code="qn.btctu")
    with django_assert_max_num_queries(4):
        feed_for(world["staff"], organization, today=D(2022, 1, 1))


# --- Who reads which feed ----------------------------------------------------------------------


def test_rotating_the_secret_retires_the_old_address(world):
    old = issue_feed(world["staff"])
    assert get(feed_url(old)).status_code == 200
    new = issue_feed(world["staff"])
    assert new != old
    assert get(feed_url(old)).status_code == 404
    assert get(feed_url(new)).status_code == 200
    stored = CalendarFeed.objects.get(user=world["staff"])
    assert old not in stored.token_hash and new not in stored.token_hash  # only a hash


def test_a_body_sees_its_own_feed_only_and_the_office_sees_any(world):
    btctu = Organization.objects.get(code="qn.btctu")
    btgtu = Organization.objects.get(code="qn.btgtu")
    staff_token = issue_feed(world["staff"])
    monitor_token = issue_feed(world["monitor"])

    assert events(get(feed_url(staff_token, btctu))) == btctu_open()
    assert get(feed_url(staff_token, btgtu)).status_code == 404
    with pytest.raises(PermissionDenied):
        feed_for(world["staff"], btgtu, today=D(2021, 1, 1))

    assert events(get(feed_url(monitor_token, btctu))) == btctu_open()
    assert events(get(feed_url(monitor_token, btgtu)))  # Ban Tuyên giáo has work too
    own = Calendar.from_ical(get(feed_url(monitor_token)).content)
    assert str(own["x-wr-calname"]) == "Hạn nhiệm vụ: Văn phòng Tỉnh ủy"

    # An unknown body is the same 404 as a forbidden one, even for the office.
    assert Client().get(f"/calendar/{monitor_token}/qn.khong-co.ics").status_code == 404


def test_unknown_locked_or_bodiless_tokens_get_404(world):
    assert Client().get("/calendar/" + "x" * 43 + ".ics").status_code == 404
    assert Client().get("/calendar/x.ics").status_code == 404
    assert Client().get("/calendar/" + "x" * 43 + "/qn.btctu.ics").status_code == 404
    assert user_for_token("") is None

    staff = world["staff"]
    token = issue_feed(staff)
    staff.is_active = False
    staff.save()
    assert get(feed_url(token)).status_code == 404
    staff.is_active = True
    staff.save()
    assert get(feed_url(token)).status_code == 200
    Membership.objects.filter(user=staff).delete()
    assert user_for_token(token) is None
    assert get(feed_url(token)).status_code == 404


def test_refusals_do_not_write_the_token_to_the_logs(world, caplog):
    btgtu = Organization.objects.get(code="qn.btgtu")
    token = issue_feed(world["staff"])
    client = Client()
    with caplog.at_level(logging.DEBUG):
        assert client.get(feed_url(token, btgtu).removeprefix(SITE)).status_code == 404
        assert client.post(feed_url(token).removeprefix(SITE)).status_code == 405
        assert client.get(feed_url(token).removeprefix(SITE)).status_code == 200
    assert token not in caplog.text


def test_a_failing_feed_is_logged_without_the_token(world, caplog, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("hỏng")

    monkeypatch.setattr("theodoi.tracking.views_calendar.feed_for", broken)
    token = issue_feed(world["staff"])
    with caplog.at_level(logging.DEBUG):
        assert get(feed_url(token)).status_code == 500
    assert "calendar feed of qn.btctu failed" in caplog.text
    assert token not in caplog.text


def test_head_is_answered_like_get(world):
    token = issue_feed(world["staff"])
    response = Client().head(feed_url(token).removeprefix(SITE))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"


# --- theodoi calendar --------------------------------------------------------------------------


def run(*args: str) -> str:
    out = StringIO()
    call_command("calendar", *args, stdout=out)
    return out.getvalue()


def printed_url(output: str) -> str:
    urls = re.findall(rf"{re.escape(SITE)}/calendar/[A-Za-z0-9_-]+\.ics", output)
    assert len(urls) == 1, output
    return urls[0]


def test_the_command_prints_the_address_once_and_rotates_it(world):
    first = run("to-chuc")
    assert "Địa chỉ lịch iCal của to-chuc (Ban Tổ chức Tỉnh ủy):" in first
    url = printed_url(first)
    assert events(get(url)) == btctu_open()
    stored = CalendarFeed.objects.get(user=world["staff"]).token_hash

    again = run("to-chuc")
    assert SITE not in again
    assert "đã hiện một lần khi tạo" in again and "--rotate" in again
    assert CalendarFeed.objects.get(user=world["staff"]).token_hash == stored

    rotated = run("to-chuc", "--rotate")
    assert "địa chỉ cũ thôi dùng được" in rotated
    new_url = printed_url(rotated)
    assert new_url != url
    assert get(url).status_code == 404
    assert get(new_url).status_code == 200


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("nobody", "theodoi calendar: không có người dùng nobody"),
        ("khong-co-quan", "theodoi calendar: người dùng khong-co-quan chưa được gán cơ quan"),
        ("da-khoa", "theodoi calendar: tài khoản da-khoa đã bị khóa"),
    ],
)
def test_bad_input_is_one_line_exits_non_zero_and_changes_nothing(
    world, username, message, capsys, monkeypatch
):
    member("khong-co-quan", None)
    locked = member("da-khoa", "qn.btctu")
    locked.is_active = False
    locked.save()

    with pytest.raises(CommandError) as error:
        run(username)
    assert message in str(error.value) and error.value.returncode != 0

    # From the command line: one line on standard error, a non-zero exit status. (The command
    # line closes the database connections when done; the test's transaction needs its own.)
    monkeypatch.setattr("django.core.management.base.connections.close_all", lambda: None)
    with pytest.raises(SystemExit) as exit_info:
        CalendarCommand().run_from_argv(["theodoi", "calendar", username, "--rotate"])
    assert exit_info.value.code != 0
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]
    assert captured.out == ""
    assert not CalendarFeed.objects.exists()
