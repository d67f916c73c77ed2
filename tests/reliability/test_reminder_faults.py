"""`theodoi remind` against a real SMTP server that fails: down, it says so, exits 1 and marks
nothing sent, and once it is back every person gets their digest exactly once; a run killed
(SIGKILL) while mailing leaves no one mailed twice and no one forgotten; two runs at once mail
each person once, in one batch as in batches mailed at once by threads; a run's threads mail
each person once and mark each digest sent; and a run whose batch takes longer to mail than
its claim lasts keeps the claim, so a second run mails nobody twice."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import threading
import time

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command

from tests import smtp
from tests.reliability.processes import new_site
from tests.tracking.test_reminders import member
from theodoi.orgs.registry import load_registry_file
from theodoi.parsing import example_path
from theodoi.programs.importer import import_program
from theodoi.tracking.models import Digest, Role

DAY = "2021-03-24"  # a week before Ban Tổ chức's quý I/2021 deadlines
ADDRESSES = ["tochuc@example.vn", "truongban@example.vn", "tochuc2@example.vn"]
PEOPLE = (
    "from theodoi.orgs.registry import load_registry_file\n"
    "from theodoi.parsing import example_path\n"
    "from theodoi.programs.importer import import_program\n"
    "from tests.tracking.test_reminders import member\n"
    "load_registry_file(None); import_program(path=example_path())\n"
    "member('to-chuc', 'qn.btctu', 'staff', 'tochuc@example.vn')\n"
    "member('truong-ban', 'qn.btctu', 'head', 'truongban@example.vn')\n"
    "member('to-chuc-2', 'qn.btctu', 'staff', 'tochuc2@example.vn')\n"
)


class Server(smtp.Mailbox):
    """The test SMTP server; ``hold_after = n`` makes it stall the (n+1)-th message at its
    recipient, before any of it is accepted, and tell the test it is stalling."""

    def __init__(self) -> None:
        super().__init__()
        self.hold_after: int | None = None
        self.holding = threading.Event()
        self.delay = 0.0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.hold_after is not None and len(self.messages) >= self.hold_after:
            self.holding.set()
            await asyncio.sleep(120)
            return "451 4.3.0 Try again later"
        if self.delay:
            await asyncio.sleep(self.delay)
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)

    def received(self) -> dict[str, int]:
        return {address: len(self.to(address)) for address in ADDRESSES}


def serve(server: Server, port: int | None = None) -> Controller:
    controller = Controller(server, hostname="127.0.0.1", port=port or smtp.free_port())
    controller.start()
    server.port = controller.port
    return controller


@pytest.fixture
def server():
    box = Server()
    controller = serve(box)
    yield box
    controller.stop()


# --- the server down, in this process ----------------------------------------------------------


@pytest.mark.django_db
def test_a_server_that_is_down_is_told_and_a_rerun_mails_each_once(settings, capsys):
    load_registry_file(None)
    import_program(path=example_path())
    member("to-chuc", "qn.btctu", Role.STAFF, ADDRESSES[0])
    member("truong-ban", "qn.btctu", Role.HEAD, ADDRESSES[1])
    member("to-chuc-2", "qn.btctu", Role.STAFF, ADDRESSES[2])
    port = smtp.free_port()  # nothing listens there yet
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False

    with pytest.raises(SystemExit) as exit:
        call_command("remind", "--today", DAY)
    assert exit.value.code == 1
    err = capsys.readouterr().err
    assert f"không kết nối được máy chủ thư 127.0.0.1:{port}" in err
    assert "Connection refused" in err and "chạy lại theodoi remind" in err
    assert not Digest.objects.filter(sent_at__isnull=False).exists()

    box = Server()
    controller = serve(box, port)
    try:
        call_command("remind", "--today", DAY)
        assert box.received() == dict.fromkeys(ADDRESSES, 1)
        assert "3 thư đã gửi" in capsys.readouterr().out
        call_command("remind", "--today", DAY)  # and again: nobody hears it twice
        assert box.received() == dict.fromkeys(ADDRESSES, 1)
        assert "0 thư đã gửi" in capsys.readouterr().out
    finally:
        controller.stop()


# --- real processes ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    site = new_site(tmp_path_factory.mktemp("remind-template"), PEOPLE)
    yield site
    site.drop()


@pytest.fixture
def site(template, tmp_path):
    copy = template.copy(tmp_path / "site")
    yield copy
    copy.drop()


def mail_env(server: Server, claim: int = 600, batch: int = 200) -> dict[str, str]:
    return {
        "THEODOI_EMAIL_HOST": "127.0.0.1",
        "THEODOI_EMAIL_PORT": str(server.port),
        "THEODOI_REMIND_CLAIM_SECONDS": str(claim),
        "THEODOI_REMIND_BATCH": str(batch),
    }


ON_POSTGRESQL = bool(os.environ.get("THEODOI_TEST_DATABASE_URL"))


def test_a_run_killed_while_mailing_then_rerun_mails_each_person_once(site, server):
    claim = 60
    server.hold_after = 1  # the first digest goes; the second stalls at its recipient
    process = site.start("remind", "--today", DAY, env=mail_env(server, claim))
    try:
        assert server.holding.wait(timeout=600), "the run never reached its second digest"
    finally:
        process.kill()
        process.wait(timeout=60)
    assert sum(server.received().values()) == 1
    server.hold_after = None

    # The three people are one batch: the killed run holds the claims on the two digests it
    # had not mailed (the stalled one and the one after it) until they lapse, and a rerun
    # meanwhile leaves them alone (it could be a live run on another machine).
    assert digests(site) == {"held": 2, "sent": 1, "free": 0}
    meanwhile = site.run("remind", "--today", DAY, **mail_env(server, claim))
    assert meanwhile.returncode == 0, meanwhile.stderr
    assert "0 thư đã gửi" in meanwhile.stdout
    assert "2 thư đang được một lần chạy khác gửi" in meanwhile.stdout
    assert sum(server.received().values()) == 1

    # Once the claims lapse (moved back by their length, as if the time had passed), the
    # next run sends both: each person has had their digest once, the stalled one too.
    site.python(
        "import datetime as dt\n"
        "from django.db.models import F\n"
        "from theodoi.tracking.models import Digest\n"
        "Digest.objects.filter(claimed_until__isnull=False).update(\n"
        f"    claimed_until=F('claimed_until') - dt.timedelta(seconds={claim}))\n"
    )
    done = site.run("remind", "--today", DAY, **mail_env(server, claim))
    assert done.returncode == 0, done.stderr
    assert "2 thư đã gửi" in done.stdout
    assert server.received() == dict.fromkeys(ADDRESSES, 1)
    assert digests(site) == {"held": 0, "sent": 3, "free": 0}

    again = site.run("remind", "--today", DAY, **mail_env(server, claim))
    assert again.returncode == 0 and "0 thư đã gửi" in again.stdout
    assert server.received() == dict.fromkeys(ADDRESSES, 1)


def digests(site) -> dict[str, int]:
    """The site's digests: held by a claim and not sent, sent, neither."""
    out = site.python(
        "from theodoi.tracking.models import Digest\n"
        "unsent = Digest.objects.filter(sent_at__isnull=True)\n"
        "print(unsent.filter(claimed_until__isnull=False).count(),"
        " Digest.objects.filter(sent_at__isnull=False).count(),"
        " unsent.filter(claimed_until__isnull=True).count())"
    )
    return dict(zip(("held", "sent", "free"), map(int, out.split()), strict=True))


def test_a_run_slower_than_its_claim_keeps_it_and_a_second_run_sends_nothing_twice(site, server):
    """A batch may take longer to mail than a claim lasts (a slow server): the run renews
    its claim while it sends, so a run started after the first claim would have lapsed
    finds the digests still held, or sent, and mails nobody twice."""
    claim, delay = 6, 4.0  # each mail takes 4 s: the three outlast the claim twice over
    server.delay = delay
    first = site.start("remind", "--today", DAY, env=mail_env(server, claim))
    try:
        deadline = time.monotonic() + 600
        while not server.messages and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.messages, "the first run never mailed"
        # The first claim was made before the first mail began (delay seconds ago), so it
        # would lapse within claim - delay seconds: start the second run after that.
        time.sleep(claim - delay)
        second = site.run("remind", "--today", DAY, **mail_env(server, claim))
        assert second.returncode == 0, second.stderr
    finally:
        first.wait(timeout=600)
    assert first.returncode == 0
    assert server.received() == dict.fromkeys(ADDRESSES, 1)
    assert digests(site) == {"held": 0, "sent": 3, "free": 0}


@pytest.mark.parametrize("batch", [200, 1], ids=["one-batch", "batches-in-threads"])
def test_two_runs_at_once_mail_each_person_once(site, server, batch):
    """Batches of one person: on PostgreSQL each run mails its three batches at once in
    threads, so six senders meet over three digests."""
    server.delay = 0.5  # slow enough for the two runs to meet
    env = mail_env(server, batch=batch)
    runs = [site.start("remind", "--today", DAY, env=env) for _ in range(2)]
    deadline = dt.datetime.now() + dt.timedelta(minutes=10)
    for run in runs:
        run.wait(timeout=max(1, (deadline - dt.datetime.now()).total_seconds()))
    assert [run.returncode for run in runs] == [0, 0]
    assert server.received() == dict.fromkeys(ADDRESSES, 1)


def test_a_run_mailing_batches_in_threads_mails_and_marks_each_once(site, server):
    """On PostgreSQL a run mails several batches at once, each in a thread with its own
    database connection and SMTP session (SQLite: one at a time): each person gets one
    digest, each digest is marked sent with its subject and its claim ended, and a second
    run sends nothing."""
    run = site.run("remind", "--today", DAY, "-v", "2", **mail_env(server, batch=1))
    assert run.returncode == 0, run.stderr
    assert "3 thư đã gửi" in run.stdout
    assert f"({3 if ON_POSTGRESQL else 1} luồng gửi)" in run.stdout
    assert server.received() == dict.fromkeys(ADDRESSES, 1)
    out = site.python(
        "from theodoi.tracking.models import Digest\n"
        "for d in Digest.objects.order_by('address'):\n"
        "    print(d.address, d.sent_at is not None, d.claimed_until, d.attempts,"
        " repr(d.last_error), d.subject, sep='|')\n"
    )
    subject = "[theodoi] Nhắc việc ngày 24/03/2021: 5 sắp đến hạn"
    assert out.splitlines() == [
        f"{address}|True|None|1|''|{subject}" for address in sorted(ADDRESSES)
    ]
    again = site.run("remind", "--today", DAY, **mail_env(server, batch=1))
    assert again.returncode == 0 and "0 thư đã gửi" in again.stdout
    assert server.received() == dict.fromkeys(ADDRESSES, 1)
