"""`theodoi remind` on the example program, with a fixed clock and a real SMTP server on
127.0.0.1: exactly the expected digests, never twice, one refused address blocking nobody and
retried on the next run, in batches of one person as in one batch; the monitor's daily
digest; extensions and weekly overdue reminders; a batch's cost (a query a digest, one SMTP
session) and a server that ends sessions early; a digest's bytes read as the message Django
would write, and other mail backends get the same digest."""

from __future__ import annotations

import contextlib
import datetime as dt
import email
import re
import zoneinfo
from email.policy import default

import pytest
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests import smtp
from theodoi.orgs.models import Organization
from theodoi.orgs.registry import load_registry_file
from theodoi.parsing import example_path
from theodoi.programs.importer import import_program
from theodoi.programs.models import Occurrence
from theodoi.tracking.extensions import decide_extension, request_extension
from theodoi.tracking.mailing import Mail
from theodoi.tracking.models import Digest, Membership, Notification, Role
from theodoi.tracking.reminders import (
    _Notice,
    _store,
    collect,
    mark_read,
    run_reminders,
    send_digests,
    unread,
)
from theodoi.tracking.reports import save_report, submit_report

pytestmark = pytest.mark.django_db
HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
D = dt.date
DUE = D(2021, 3, 31)  # Ban Tổ chức owes five pieces of work by 31/03/2021 (quý I/2021)


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=HCM)


def member(username: str, org_code: str, role: str, email: str = ""):
    user = get_user_model().objects.create_user(username, email=email, password="x")
    Membership.objects.create(
        user=user, organization=Organization.objects.get(code=org_code), role=role
    )
    return user


@pytest.fixture
def mailbox(settings):
    with serve(smtp.Mailbox(), settings) as box:
        yield box


@contextlib.contextmanager
def serve(box: smtp.Mailbox, settings):
    """Mail goes to ``box``, a real SMTP server on 127.0.0.1, while the test runs."""
    controller = smtp.start(box)
    box.port = controller.port
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.THEODOI_SITE_URL = "https://theodoi.example.vn"
    settings.THEODOI_REMIND_DAYS = (7, 3, 1)
    settings.THEODOI_OVERDUE_WEEKDAY = 0
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture(params=[1, 200], ids=["batches-of-one", "one-batch"])
def batch(request, settings) -> int:
    """People per batch: one each, and all at once."""
    settings.THEODOI_REMIND_BATCH = request.param
    return request.param


@pytest.fixture
def world():
    load_registry_file(None)
    import_program(path=example_path())
    return {
        "staff": member("to-chuc", "qn.btctu", Role.STAFF, "tochuc@example.vn"),
        "head": member("truong-ban", "qn.btctu", Role.HEAD, "truongban@example.vn"),
        "silent": member("khong-thu", "qn.btctu", Role.STAFF),  # no address: in the app only
        "monitor": member("van-phong", "qn.vptu", Role.MONITOR, "vanphong@example.vn"),
    }


def btctu_due(day: dt.date):
    return Occurrence.objects.filter(
        assignment__organization__code="qn.btctu", due_date=day
    ).select_related("assignment__task")


def keys_in(message) -> set[str]:
    """The task keys a digest lists (each item starts "- KEY. ")."""
    return set(re.findall(r"^- (B\.[\w./]+)\. ", message.get_content(), re.M))


def remind(day: dt.date) -> int:
    """Run the command as cron would; its exit status."""
    try:
        call_command("remind", "--today", day.isoformat())
    except SystemExit as exit:
        return exit.code
    return 0


def test_three_runs_send_each_digest_once_and_a_refused_address_blocks_nobody(
    world, mailbox, batch, capsys
):
    # Nothing else of Ban Tổ chức falls due on the reminder days around 31/03/2021.
    for day in (D(2021, 3, 24), D(2021, 3, 27), D(2021, 3, 28), D(2021, 3, 30)):
        assert not btctu_due(day).exists()
    due = list(btctu_due(DUE))
    assert len(due) == 5
    reported = next(o for o in due if o.assignment.task.key == "B.III.1.3/2")
    report = save_report(
        user=world["staff"], occurrence=reported, expected_version=None, state="done",
        done_on=D(2021, 3, 22), narrative="Đã ban hành kế hoạch", now=at(D(2021, 3, 23)),
    )  # fmt: skip
    submit_report(user=world["staff"], report=report, expected_version=report.version,
                  now=at(D(2021, 3, 23), 10))  # fmt: skip
    still_owed = {o.assignment.task.key for o in due} - {"B.III.1.3/2"}
    assert len(still_owed) == 4
    mailbox.refused.add("truongban@example.vn")

    # Run 1, seven days before: staff and the monitor get one digest each; the head's address
    # is refused, which stops nobody else and makes the run say so.
    assert remind(D(2021, 3, 24)) == 1
    assert "truongban@example.vn" in capsys.readouterr().err
    staff_mail = mailbox.to("tochuc@example.vn")
    assert len(staff_mail) == 1
    assert smtp.subject(staff_mail[0]) == "[theodoi] Nhắc việc ngày 24/03/2021: 4 sắp đến hạn"
    assert keys_in(staff_mail[0]) == still_owed  # reported work is not chased
    body = staff_mail[0].get_content()
    assert body.count("hạn 31/03/2021, còn 7 ngày") == 4
    assert "https://theodoi.example.vn/tasks/" in body
    monitor_mail = mailbox.to("vanphong@example.vn")
    assert len(monitor_mail) == 1
    daily = monitor_mail[0].get_content()
    assert "Ngày 23/03/2021: 1 báo cáo gửi đến Văn phòng; 1 báo cáo chờ xác nhận" in daily
    assert "Ban Tổ chức Tỉnh ủy" in daily and "báo cáo đã hoàn thành" in daily
    assert len(mailbox.messages) == 2
    failed = Digest.objects.get(recipient=world["head"])
    assert failed.sent_at is None and "550" in failed.last_error and failed.attempts == 1

    # Run 2, the same day, the head's mailbox working again: only the retry goes out.
    mailbox.refused.clear()
    mailbox.clear()
    assert remind(D(2021, 3, 24)) == 0
    assert [m["To"] for m in mailbox.messages] == ["truongban@example.vn"]
    assert keys_in(mailbox.messages[0]) == still_owed
    failed.refresh_from_db()
    assert failed.sent_at is not None and failed.attempts == 2 and failed.last_error == ""

    # Run 3, three days before: a new digest for each body member; the monitor hears that
    # the report still awaits confirmation though nothing came in the day before.
    mailbox.clear()
    assert remind(D(2021, 3, 28)) == 0
    assert sorted(m["To"] for m in mailbox.messages) == [
        "tochuc@example.vn", "truongban@example.vn", "vanphong@example.vn",
    ]  # fmt: skip
    for address in ("tochuc@example.vn", "truongban@example.vn"):
        (message,) = mailbox.to(address)
        assert keys_in(message) == still_owed
        assert message.get_content().count("còn 3 ngày") == 4
    assert "0 báo cáo gửi đến Văn phòng; 1 báo cáo chờ xác nhận" in (
        mailbox.to("vanphong@example.vn")[0].get_content()
    )

    # Runs again on both days send nothing more; each reminder is stored once per person.
    mailbox.clear()
    assert remind(D(2021, 3, 24)) == 0
    assert remind(D(2021, 3, 28)) == 0
    assert mailbox.messages == []
    assert Digest.objects.filter(sent_at__isnull=False).count() == 6  # 3 people × 2 days
    for user in (world["staff"], world["head"], world["silent"]):
        assert Notification.objects.filter(recipient=user).count() == 8  # 4 × 2 days
    # The person without an address has them in the app only.
    assert not Digest.objects.filter(recipient=world["silent"]).exists()
    assert unread(world["silent"]).count() == 8
    assert mark_read(world["silent"]) == 8
    assert unread(world["silent"]).count() == 0
    assert mark_read(world["staff"], [unread(world["silent"]).first() or 0]) == 0


def test_an_extension_moves_the_reminders_and_overdue_work_is_told_weekly(world, mailbox):
    occurrence = btctu_due(DUE).get(assignment__task__key="B.III.1.2/2")
    ask = request_extension(
        user=world["staff"], occurrence=occurrence, new_due=D(2021, 4, 30),
        reason="Chờ hướng dẫn của Trung ương", now=at(D(2021, 3, 10)),
    )  # fmt: skip
    decide_extension(user=world["monitor"], extension=ask, approve=True, now=at(D(2021, 3, 12)))

    run_reminders(today=D(2021, 3, 24))
    (message,) = mailbox.to("tochuc@example.vn")
    assert "B.III.1.2/2" not in keys_in(message)
    assert len(keys_in(message)) == 4

    mailbox.clear()
    run_reminders(today=D(2021, 4, 23))  # seven days before the new date
    (message,) = mailbox.to("tochuc@example.vn")
    assert "B.III.1.2/2" in keys_in(message)
    assert "hạn 30/04/2021 (đã gia hạn từ 31/03/2021), còn 7 ngày" in message.get_content()

    # Monday 05/04/2021: everything still owed is overdue (four from 31/03, the extended one
    # not; four from 2020, never reported); Tuesday says nothing.
    mailbox.clear()
    assert D(2021, 4, 5).weekday() == 0
    run_reminders(today=D(2021, 4, 5))
    (message,) = mailbox.to("tochuc@example.vn")
    assert smtp.subject(message) == "[theodoi] Nhắc việc ngày 05/04/2021: 8 quá hạn"
    assert message.get_content().count("hạn 31/03/2021, quá hạn 5 ngày") == 4
    assert message.get_content().count("hạn 31/12/2020, quá hạn 95 ngày") == 4
    assert "B.III.1.2/2" not in keys_in(message)
    mailbox.clear()
    run_reminders(today=D(2021, 4, 6))
    assert mailbox.to("tochuc@example.vn") == []


def test_a_digest_another_run_is_sending_is_left_to_it(world, mailbox):
    """Two machines at once: the run that claimed a digest sends it; the other does not."""
    summary = run_reminders(today=D(2021, 3, 24), now=at(D(2021, 3, 24)))
    assert summary.created > 0 and len(summary.sent) == 2  # nothing for the monitor yet
    Notification.objects.filter(recipient=world["staff"]).update(digest=None)
    Digest.objects.filter(recipient=world["staff"]).update(
        sent_at=None, claimed_until=timezone.now() + dt.timedelta(minutes=5)
    )
    mailbox.clear()
    summary = run_reminders(today=D(2021, 3, 24))
    assert summary.busy == 1 and summary.created == 0
    assert mailbox.messages == []


def test_a_mail_server_that_is_down_loses_nothing(world, mailbox, batch, settings):
    settings.EMAIL_PORT = smtp.free_port()  # nobody listens there
    summary = run_reminders(today=D(2021, 3, 24))
    # The first refused connection stops the run: the second person is not tried in vain.
    assert summary.sent == [] and len(summary.failed) == 1 and summary.left == 1
    assert "Connection refused" in summary.unreachable
    assert not Digest.objects.filter(sent_at__isnull=False).exists()
    # The next day's run, the server back, folds the unsent reminders into that day's digest.
    settings.EMAIL_PORT = mailbox.port
    summary = run_reminders(today=D(2021, 3, 25))
    assert len(summary.sent) == 2 and summary.failed == []
    (message,) = mailbox.to("tochuc@example.vn")
    assert smtp.subject(message).startswith("[theodoi] Nhắc việc ngày 25/03/2021")
    assert message.get_content().count("hạn 31/03/2021, còn 7 ngày") == 5  # told on 24/03


def test_a_digest_with_nothing_left_to_tell_is_deleted_not_mailed(world, mailbox):
    """Another run took all of a person's notifications: their digest of the day, made and
    never sent, is deleted rather than mailed empty."""
    run_reminders(today=D(2021, 3, 24))
    mailbox.clear()
    Digest.objects.create(
        recipient=world["staff"], day=D(2021, 3, 25), address="tochuc@example.vn",
        created_at=at(D(2021, 3, 25)),
    )  # fmt: skip
    summary = send_digests(D(2021, 3, 25))
    assert summary.sent == [] and summary.failed == [] and summary.busy == 0
    assert mailbox.messages == []
    assert not Digest.objects.filter(day=D(2021, 3, 25)).exists()


def test_a_batch_costs_one_update_a_digest_over_one_smtp_session(world, settings):
    """Claiming, gathering and reading are done for a whole batch at once: six digests cost
    four statements more than two (the UPDATE marking each sent), and go over one session."""
    with serve(Sessions(), settings) as box:
        run_reminders(today=D(2021, 3, 24))  # staff and head
        assert len(box.messages) == 2
        more = [
            member(f"to-chuc-{n}", "qn.btctu", Role.STAFF, f"tochuc{n}@example.vn")
            for n in range(2, 6)
        ]
        collect(D(2021, 3, 28))
        box.clear()
        box.peers.clear()
        with CaptureQueriesContext(connection) as six:
            summary = send_digests(D(2021, 3, 28))
        assert len(summary.sent) == 6 and len(box.messages) == 6
        assert {m["To"] for m in box.messages} >= {u.email for u in more}
        assert len(box.peers) == 1

        # The same two people alone, on a day of their own.
        Membership.objects.filter(user__in=more).delete()
        collect(D(2021, 3, 30))  # one day before
        box.clear()
        with CaptureQueriesContext(connection) as two:
            summary = send_digests(D(2021, 3, 30))
        assert len(summary.sent) == 2
        assert statements(six, "SELECT") == statements(two, "SELECT")
        assert statements(six, "INSERT") == statements(two, "INSERT")
        assert statements(six, "UPDATE") == statements(two, "UPDATE") + 4


def statements(queries: CaptureQueriesContext, verb: str) -> int:
    return sum(1 for query in queries.captured_queries if query["sql"].startswith(verb))


class Sessions(smtp.Mailbox):
    """Also notes the SMTP session (client address and port) each message came over."""

    def __init__(self) -> None:
        super().__init__()
        self.peers: set = set()

    async def handle_DATA(self, server, session, envelope):
        self.peers.add(session.peer)
        return await super().handle_DATA(server, session, envelope)


class OneMailASession(Sessions):
    """Ends each session after its first mail (421), as servers that cap a session do."""

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if getattr(session, "mailed", False):
            return "421 4.7.0 Too many messages in this session, closing"
        session.mailed = True
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"


def test_a_server_that_ends_each_session_after_one_mail_still_gets_them_all(world, settings):
    with serve(OneMailASession(), settings) as box:
        summary = run_reminders(today=D(2021, 3, 24))
    assert summary.failed == [] and summary.unreachable == ""
    assert sorted(summary.sent) == ["tochuc@example.vn", "truongban@example.vn"]
    assert len(box.messages) == 2 and len(box.peers) == 2
    assert Digest.objects.filter(sent_at__isnull=False).count() == 2


def test_bad_dates_are_refused_with_a_clear_message(capsys):
    with pytest.raises(SystemExit) as exit:
        call_command("remind", "--today", "24/03/2021")
    assert exit.value.code == 2
    assert "ngày không hợp lệ '24/03/2021'" in capsys.readouterr().err
    assert not Notification.objects.exists()


LONG = "Ủy ban nhân dân tỉnh " * 60  # one line of 1,260 characters: too long for SMTP


@pytest.mark.parametrize("body", ["Kính gửi Tổ chức,\n\nQUÁ HẠN\n- B.1. Việc — hạn.\n", LONG])
def test_a_digest_reads_as_the_message_django_writes(settings, body):
    """The digest's bytes are written without Django's EmailMessage (a millisecond a mail
    saved), so they are checked against it: the same headers in the same order, the same
    decoded subject, sender and text, lines ended by CRLF as SMTP wants."""
    settings.DEFAULT_FROM_EMAIL = "Văn phòng Tỉnh ủy <vanphong@example.vn>"
    subject = "[theodoi] Nhắc việc ngày 24/03/2021: 4 quá hạn, 1 sắp đến hạn"
    raw = Mail(to="tochuc@example.vn", subject=subject, body=body).as_bytes()
    ours = email.message_from_bytes(raw, policy=default)
    django = EmailMessage(subject=subject, body=body, to=["tochuc@example.vn"]).message()
    theirs = email.message_from_bytes(django.as_bytes(linesep="\r\n"), policy=default)
    assert ours.keys() == theirs.keys()
    for name in ("Content-Type", "MIME-Version", "Content-Transfer-Encoding", "From", "To"):
        assert str(ours[name]) == str(theirs[name]), name
    assert smtp.subject(ours) == smtp.subject(theirs) == subject
    assert str(ours["From"]) == "Văn phòng Tỉnh ủy <vanphong@example.vn>"
    assert ours.get_content() == theirs.get_content()
    assert ours.get_content().replace("\r\n", "\n") == body
    assert ours["Date"] and ours["Message-ID"].endswith(">")
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998


def test_other_mail_backends_get_the_same_digest(world, mailoutbox, settings):
    """The outbox folder (no SMTP server configured) and the tests' memory get a Django
    EmailMessage: the same digest."""
    settings.THEODOI_SITE_URL = "https://theodoi.example.vn"
    summary = run_reminders(today=D(2021, 3, 24))
    assert sorted(summary.sent) == ["tochuc@example.vn", "truongban@example.vn"]
    assert sorted(m.to[0] for m in mailoutbox) == sorted(summary.sent)
    message = mailoutbox[0]
    assert message.subject == "[theodoi] Nhắc việc ngày 24/03/2021: 5 sắp đến hạn"
    assert message.body.count("còn 7 ngày") == 5
    assert "https://theodoi.example.vn/tasks/" in message.body


def test_notices_another_run_wrote_meanwhile_are_stored_once(world):
    """Two runs at once compute the same notices; the one that writes second finds some
    written (on PostgreSQL its COPY is refused and INSERT ... ON CONFLICT takes over): each
    notice is stored once, none lost."""
    collect(D(2021, 3, 24))
    stored = list(Notification.objects.filter(day=D(2021, 3, 24)).order_by("pk"))
    assert len(stored) == 15  # 5 pieces of work × 3 members of Ban Tổ chức
    fields = _Notice._fields
    again = [_Notice(*(getattr(n, name) for name in fields)) for n in stored]
    Notification.objects.filter(pk__in=[n.pk for n in stored[::2]]).delete()  # the others stay
    _store(again)
    rows = Notification.objects.filter(day=D(2021, 3, 24)).values_list(*fields)
    assert sorted(rows) == sorted(tuple(n) for n in again)
