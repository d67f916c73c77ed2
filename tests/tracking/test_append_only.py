"""The audit log and the report history are append-only for real: every statement that would
change or remove a row is refused, on SQLite and on PostgreSQL, by the database; on
PostgreSQL the application's role (docs/production.md, read here) can neither disable nor
drop the triggers, and ``theodoi check --deploy`` says when the server runs as the tables'
owner or a superuser. Nothing the application does needs more (a report's workflow as that
role; the admin refusing deletions that would take history along; restore; the suite's own
flush)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit, urlunsplit

import pytest
from auditlog.context import disable_auditlog, set_actor
from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test import Client, TransactionTestCase

from theodoi.programs.models import Task
from theodoi.tracking import append_only
from theodoi.tracking.checks import append_only_tables
from theodoi.tracking.models import ProgressReport, ReportRevision, Role
from theodoi.tracking.reports import save_report, submit_report

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
ON_POSTGRESQL = bool(os.environ.get("THEODOI_TEST_DATABASE_URL"))
only_postgresql = pytest.mark.skipif(not ON_POSTGRESQL, reason="a PostgreSQL statement")
only_sqlite = pytest.mark.skipif(ON_POSTGRESQL, reason="a SQLite statement")
TABLES = list(append_only.TABLES)
CHANGED = {"auditlog_logentry": "changes_text", "tracking_reportrevision": "action"}
REFUSAL = "chỉ được ghi thêm"


@pytest.fixture
def written(one_task, member) -> SimpleNamespace:
    """A report saved twice by Ban Tổ chức's staff: two revisions and their audit entries."""
    staff = member("to-chuc", one_task.a, Role.STAFF)
    report = save_report(user=staff, occurrence=one_task.occurrence, expected_version=None,
                         state="in_progress", narrative="Đang xây dựng dự thảo.")  # fmt: skip
    report = save_report(user=staff, occurrence=one_task.occurrence, expected_version=1,
                         state="in_progress", narrative="Đã trình Thường trực.")  # fmt: skip
    assert ReportRevision.objects.filter(report=report).count() == 2
    assert LogEntry.objects.exists()
    return SimpleNamespace(**vars(one_task), staff=staff, report=report)


def rows(table: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} ORDER BY id")
        return cursor.fetchall()


def first_id(table: str) -> int:
    return rows(table)[0][0]


def copy_of(table: str, pk: int, **replaced: str) -> tuple[str, str]:
    """``(columns, SELECT ...)``: row ``pk`` again, some columns replaced by SQL expressions;
    the text column of ``CHANGED`` always, so a statement that got through would show."""
    replaced.setdefault(CHANGED[table], "'sửa lại'")
    with connection.cursor() as cursor:
        names = [c.name for c in connection.introspection.get_table_description(cursor, table)]
    columns = ", ".join(f'"{n}"' for n in names)
    values = ", ".join(replaced.get(n, f'"{n}"') for n in names)
    return columns, f"SELECT {values} FROM {table} WHERE id = {int(pk)}"


def refused(sql: str, params: list | None = None) -> str:
    """The database's refusal of ``sql`` (its savepoint rolled back)."""
    with pytest.raises(DatabaseError) as caught, transaction.atomic(), connection.cursor() as c:
        c.execute(sql, params)
    return str(caught.value)


def assert_refused(table: str, sql: str, params: list | None = None, *, says=REFUSAL) -> None:
    before = rows(table)
    assert says in refused(sql, params)
    assert rows(table) == before


# --- Every statement, both tables --------------------------------------------------------


@pytest.mark.parametrize("table", TABLES)
def test_update_is_refused(written, table):
    assert_refused(
        table, f"UPDATE {table} SET {CHANGED[table]} = %s WHERE id = %s",
        ["sửa lại", first_id(table)],
    )  # fmt: skip


@pytest.mark.parametrize("table", TABLES)
def test_delete_is_refused(written, table):
    assert_refused(table, f"DELETE FROM {table} WHERE id = %s", [first_id(table)])


@pytest.mark.parametrize("table", TABLES)
def test_delete_without_where_is_refused(written, table):
    """SQLite's TRUNCATE (its "truncate optimisation" is off where a table has triggers)."""
    assert_refused(table, f"DELETE FROM {table}")


@pytest.mark.parametrize("table", TABLES)
def test_an_upsert_that_would_update_is_refused(written, table):
    columns, select = copy_of(table, first_id(table))
    assert_refused(
        table,
        f"INSERT INTO {table} ({columns}) {select} "
        f"ON CONFLICT (id) DO UPDATE SET {CHANGED[table]} = excluded.{CHANGED[table]}",
    )


@only_sqlite
@pytest.mark.parametrize("verb", ["REPLACE", "INSERT OR REPLACE"])
@pytest.mark.parametrize("table", TABLES)
def test_replace_is_refused(written, table, verb):
    """REPLACE deletes the row it meets without firing delete triggers."""
    columns, select = copy_of(table, first_id(table))
    assert_refused(table, f"{verb} INTO {table} ({columns}) {select}")


@only_sqlite
def test_replace_on_another_unique_key_is_refused(written):
    """A new id, but the report and version of an existing revision: REPLACE would delete
    that revision (unique ``one_revision_per_version``)."""
    table = "tracking_reportrevision"
    columns, select = copy_of(table, first_id(table), id="id + 1000")
    assert_refused(table, f"REPLACE INTO {table} ({columns}) {select}")


@only_sqlite
def test_update_or_replace_is_refused(written):
    table = "tracking_reportrevision"
    last = rows(table)[-1][0]
    assert_refused(table, f"UPDATE OR REPLACE {table} SET version = 1 WHERE id = %s", [last])


def checked_now() -> None:
    """The test's own inserts leave foreign-key checks pending till commit, and PostgreSQL
    refuses TRUNCATE for that before any trigger: check them now, as a commit would."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@only_postgresql
@pytest.mark.parametrize("table", TABLES)
def test_truncate_is_refused(written, table):
    checked_now()
    assert_refused(table, f"TRUNCATE {table}")


@only_postgresql
@pytest.mark.parametrize("table", TABLES)
def test_truncate_of_a_table_they_refer_to_is_refused(written, table):
    """TRUNCATE auth_user CASCADE reaches both tables (their ``actor``, ``by``)."""
    checked_now()
    assert_refused(table, "TRUNCATE auth_user CASCADE")


@only_postgresql
@pytest.mark.parametrize("action", ["DELETE", "UPDATE SET id = t.id"])
@pytest.mark.parametrize("table", TABLES)
def test_merge_is_refused(written, table, action):
    assert_refused(
        table,
        f"MERGE INTO {table} AS t USING (SELECT %s AS id) AS s ON t.id = s.id "
        f"WHEN MATCHED THEN {action}",
        [first_id(table)],
    )


@only_postgresql
def test_truncate_of_an_empty_table_changes_nothing_and_goes_through(db):
    """Emptying what is empty removes nothing: a restore over other data needs it."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE auth_user, tracking_reportrevision, auditlog_logentry CASCADE")


def test_new_rows_are_still_added(written):
    """The REPLACE guard refuses only a row that meets an existing one."""
    submit_report(user=written.staff, report=written.report, expected_version=2)
    assert ReportRevision.objects.filter(report=written.report).count() == 3


# --- Through the ORM -----------------------------------------------------------------------


def test_the_orm_cannot_change_or_remove_a_revision(written):
    revision = ReportRevision.objects.filter(report=written.report).first()
    copy = ReportRevision(
        report=revision.report, version=revision.version, at=revision.at, by=revision.by,
        action="sửa lại", state=revision.state, status=revision.status,
    )  # fmt: skip
    attempts = [
        lambda: ReportRevision.objects.filter(pk=revision.pk).update(action="sửa lại"),
        lambda: ReportRevision.objects.filter(pk=revision.pk).delete(),
        revision.delete,
        lambda: ReportRevision.objects.bulk_create(
            [copy],
            update_conflicts=True,
            unique_fields=["report", "version"],
            update_fields=["action"],
        ),
        written.report.delete,  # the revisions go with it (CASCADE)
    ]
    before = rows("tracking_reportrevision")
    for attempt in attempts:
        with pytest.raises(DatabaseError), transaction.atomic():
            attempt()
    assert rows("tracking_reportrevision") == before
    assert ProgressReport.objects.filter(pk=written.report.pk).exists()


# --- The application's role on PostgreSQL --------------------------------------------------


def docs_grants(role: str) -> list[str]:
    """Step 3 of docs/production.md, for ``role`` instead of theodoi_app."""
    text = (ROOT / "docs" / "production.md").read_text(encoding="utf-8")
    block = re.search(r"```sql\n(-- 3\..*?)```", text, re.S).group(1)
    block = re.sub(r"\btheodoi_app\b", role, block)
    lines = [line for line in block.splitlines() if not line.lstrip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def test_the_readme_grants_what_the_docs_grant():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```sql\n((?:(?!```).)*GRANT USAGE ON SCHEMA.*?)```", readme, re.S).group(1)
    statements = [" ".join(s.split()) for s in block.split(";") if s.strip()]
    assert statements == [" ".join(s.split()) for s in docs_grants("theodoi_app")]


def make_role(cursor, *, login: bool = False) -> str:
    name = f"theodoi_app_{uuid.uuid4().hex[:10]}"
    cursor.execute(f'CREATE ROLE "{name}" {"LOGIN" if login else "NOLOGIN"}')
    for statement in docs_grants(name):
        cursor.execute(statement)
    return name


@pytest.fixture
def app_role(db) -> str:
    """A role granted as the docs say, made inside the test's transaction (so it goes with
    it); the test database's tables belong to the test's own user."""
    with connection.cursor() as cursor:
        return make_role(cursor)


@contextmanager
def acting_as(role: str) -> Iterator[None]:
    with connection.cursor() as cursor:
        cursor.execute(f'SET ROLE "{role}"')
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


@only_postgresql
def test_the_docs_grant_the_application_only_reading_and_adding_here(app_role):
    with connection.cursor() as cursor:
        for table in [*TABLES, "tracking_progressreport"]:
            cursor.execute(
                "SELECT "
                + ", ".join(
                    f"has_table_privilege(%s, %s, '{p}')"
                    for p in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "TRIGGER")
                ),
                [app_role, table] * 6,
            )
            rights = cursor.fetchone()
            expected = (True, True, False, False, False, False) if table in TABLES else (
                True, True, True, True, False, False
            )  # fmt: skip
            assert rights == expected, table


@only_postgresql
def test_the_application_role_does_a_reports_whole_workflow(written, app_role):
    """What the server does, as that role: read, lock and update a report, add a revision and
    audit entries, and the rest the workflow touches."""
    with acting_as(app_role):
        report = save_report(
            user=written.staff, occurrence=written.occurrence, expected_version=2, state="done",
            narrative="Đã ban hành kế hoạch.", done_on=written.occurrence.due_date,
        )  # fmt: skip
        report = submit_report(user=written.staff, report=report, expected_version=3)
    assert ReportRevision.objects.filter(report=report).count() == 4
    assert LogEntry.objects.filter(object_pk=str(report.pk)).count() >= 3


APP_ROLE_ATTEMPTS = {
    "update": "UPDATE {table} SET {column} = 'sửa lại'",
    "delete": "DELETE FROM {table}",
    "truncate": "TRUNCATE {table}",
    "upsert": "INSERT INTO {table} ({columns}) {select} "
    "ON CONFLICT (id) DO UPDATE SET {column} = excluded.{column}",
    "disable trigger": "ALTER TABLE {table} DISABLE TRIGGER USER",
    "disable one trigger": "ALTER TABLE {table} DISABLE TRIGGER {table}_append_only",
    "drop trigger": "DROP TRIGGER {table}_append_only ON {table}",
    "take the table": "ALTER TABLE {table} OWNER TO CURRENT_USER",
    "add a trigger": "CREATE TRIGGER sneak BEFORE INSERT ON {table} "
    "FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger()",
    "replace the function": f"CREATE OR REPLACE FUNCTION {append_only.FUNCTION}() "
    "RETURNS trigger AS $$ BEGIN RETURN NULL; END $$ LANGUAGE plpgsql",
    "drop the table": "DROP TABLE {table} CASCADE",
}


@only_postgresql
@pytest.mark.parametrize("attempt", list(APP_ROLE_ATTEMPTS))
@pytest.mark.parametrize("table", TABLES)
def test_the_application_role_cannot(written, app_role, table, attempt):
    columns, select = copy_of(table, first_id(table))
    sql = APP_ROLE_ATTEMPTS[attempt].format(
        table=table, column=CHANGED[table], columns=columns, select=select
    )
    before = rows(table)
    with acting_as(app_role):
        message = refused(sql)
    assert "permission denied" in message or "must be owner" in message, message
    assert rows(table) == before
    assert append_only.missing_triggers(connection) == {}


# --- theodoi check --deploy -----------------------------------------------------------------


def check_ids() -> set[str]:
    return {m.id for m in append_only_tables(app_configs=None, databases=["default"])}


@only_postgresql
def test_the_check_warns_a_superuser(db):
    assert "tracking.W001" in check_ids()  # the test's own user is one


@only_postgresql
def test_the_check_warns_the_owner_of_the_tables(db):
    owner = f"theodoi_owner_{uuid.uuid4().hex[:10]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{owner}" NOLOGIN')
        for table in TABLES:
            cursor.execute(f'ALTER TABLE {table} OWNER TO "{owner}"')
    with acting_as(owner):
        messages = append_only_tables(app_configs=None, databases=["default"])
    assert {m.id for m in messages} == {"tracking.W002"}
    assert all(table in " ".join(m.msg for m in messages) for table in TABLES)


@only_postgresql
def test_the_check_says_nothing_of_the_application_role(app_role):
    with acting_as(app_role):
        assert check_ids() == set()


@only_postgresql
def test_the_check_warns_an_application_role_with_more_rights(app_role):
    with connection.cursor() as cursor:
        cursor.execute(f'GRANT UPDATE ON tracking_reportrevision TO "{app_role}"')
    with acting_as(app_role):
        assert check_ids() == {"tracking.W003"}


@only_postgresql
@pytest.mark.parametrize(
    "owned",
    [f"FUNCTION {append_only.FUNCTION}()", "SCHEMA public"],
    ids=["the trigger function", "the schema"],
)
def test_the_check_warns_an_application_role_that_owns(app_role, owned):
    """Owning the function, it could replace it with one that lets everything through;
    owning the schema, it could drop the tables."""
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER {owned} OWNER TO "{app_role}"')
    with acting_as(app_role):
        messages = append_only_tables(app_configs=None, databases=["default"])
    assert [m.id for m in messages] == ["tracking.W002"]
    assert owned.split()[1].removesuffix("()") in messages[0].msg


@only_postgresql
def test_the_check_warns_of_a_disabled_trigger(app_role):
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE auditlog_logentry DISABLE TRIGGER auditlog_logentry_append_only"
        )
    with acting_as(app_role):
        assert check_ids() == {"tracking.W004"}


@only_sqlite
def test_the_check_warns_of_a_missing_trigger_on_sqlite(db):
    assert check_ids() == set()
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER tracking_reportrevision_no_replace")
    messages = append_only_tables(app_configs=None, databases=["default"])
    assert [m.id for m in messages] == ["tracking.W004"]
    assert "tracking_reportrevision_no_replace" in messages[0].msg


def theodoi_check_deploy(database_url: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(DATABASE_URL=database_url, THEODOI_HTTPS="1")
    result = subprocess.run(
        [sys.executable, "-m", "theodoi.cli", "check", "--deploy"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    return result.stdout + result.stderr


@only_postgresql
def test_theodoi_check_deploy_warns_a_superuser_and_not_the_application(
    django_db_setup, django_db_blocker
):
    """The real command, run as the server would be: as the test's user (a superuser, who
    owns the tables), then as a login role granted as the docs say, committed for this test
    (an owner that is not a superuser: test_the_check_warns_the_owner_of_the_tables)."""
    import psycopg

    base = urlsplit(os.environ["THEODOI_TEST_DATABASE_URL"])
    with django_db_blocker.unblock():
        name = connection.settings_dict["NAME"]
    owner_url = urlunsplit(base._replace(path=f"/{name}"))
    with psycopg.connect(owner_url, autocommit=True) as raw:
        role = make_role(raw.cursor(), login=True)
        try:
            as_owner = theodoi_check_deploy(owner_url)
            as_app = theodoi_check_deploy(
                urlunsplit(
                    base._replace(
                        netloc=f"{role}@{base.hostname}:{base.port or 5432}", path=f"/{name}"
                    )
                )
            )
        finally:
            raw.execute(f'DROP OWNED BY "{role}"')
            raw.execute(f'DROP ROLE "{role}"')
    assert "tracking.W001" in as_owner, as_owner
    assert "tracking.W00" not in as_app, as_app
    assert "Traceback" not in as_owner + as_app


# --- What the application does that would have needed more ---------------------------------


def test_the_admin_refuses_to_delete_a_task_with_history(example, member):
    """A task with a report would take the report's revisions along (CASCADE): the admin
    lists that as protected, and the confirmation deletes nothing."""
    monitor = member("van-phong", "qn.vptu", Role.MONITOR, is_staff=True)
    staff = member("to-chuc", "qn.btctu", Role.STAFF)
    task = Task.objects.get(key="B.III.1.3/2")
    occurrence = task.assignments.get(organization__code="qn.btctu").occurrences.first()
    save_report(user=staff, occurrence=occurrence, expected_version=None, state="in_progress")
    client = Client()
    client.force_login(monitor)
    url = f"/admin/programs/task/{task.pk}/delete/"
    page = client.get(url)
    assert page.status_code == 200
    assert any("Lịch sử báo cáo: 1 phiên bản" in str(p) for p in page.context["protected"])
    assert client.post(url, {"post": "yes"}).status_code == 200  # the page again, no deletion
    assert Task.objects.filter(pk=task.pk).exists()


def test_the_admin_refuses_to_delete_a_person_named_in_the_audit_log(written):
    """django-auditlog blanks the actor of a deleted person's entries (SET_NULL): an UPDATE
    the log refuses. The admin says so, and to deactivate the account instead."""
    person = get_user_model().objects.create_user("nguoi-sua", password="x")
    with set_actor(person):
        written.a.short_name = "BTC"
        written.a.save()
    assert LogEntry.objects.filter(actor=person).exists()
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("sieu", password="x"))
    url = f"/admin/auth/user/{person.pk}/delete/"
    page = client.get(url)
    assert page.status_code == 200
    assert any("khóa tài khoản" in str(p) for p in page.context["protected"])
    assert client.post(url, {"post": "yes"}).status_code == 200
    assert get_user_model().objects.filter(pk=person.pk).exists()


def test_restore_force_replaces_data_while_the_history_is_empty(db, tmp_path):
    """--force empties the other tables (PostgreSQL: TRUNCATE ... CASCADE, which reaches the
    two empty ones) and loads the backup."""
    Group.objects.create(name="Văn thư")
    file = tmp_path / "sao-luu.zip"
    call_command("backup", str(file))
    Group.objects.create(name="Lưu trữ")
    call_command("restore", str(file), "--force")
    assert list(Group.objects.values_list("name", flat=True)) == ["Văn thư"]


def test_restore_force_cannot_erase_the_report_history(request, member, tmp_path):
    """A report history without audit entries (all written with auditlog off) is kept too."""
    file = tmp_path / "sao-luu.zip"
    with disable_auditlog():
        one_task = request.getfixturevalue("one_task")
        call_command("backup", str(file))
        staff = member("to-chuc", one_task.a, Role.STAFF)
        save_report(user=staff, occurrence=one_task.occurrence, expected_version=None,
                    state="in_progress")  # fmt: skip
    assert not LogEntry.objects.exists()
    with pytest.raises(CommandError, match="lịch sử báo cáo"):
        call_command("restore", str(file), "--force")
    assert ReportRevision.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_applications_flush_is_refused_and_the_suites_goes_through(written):
    """``theodoi flush`` is refused; a test case's teardown flush (tests/append_only.py)
    empties both tables and leaves the triggers in place, on both databases."""
    before = {table: rows(table) for table in TABLES}
    with pytest.raises(CommandError):
        call_command("flush", interactive=False, verbosity=0)
    assert {table: rows(table) for table in TABLES} == before
    TransactionTestCase(methodName="__init__")._fixture_teardown()
    assert all(rows(table) == [] for table in TABLES)
    assert append_only.missing_triggers(connection) == {}


@only_sqlite
@pytest.mark.django_db(transaction=True)
def test_a_table_remade_by_a_migration_gets_its_triggers_back(written):
    """Django rebuilds a SQLite table for many schema changes, dropping its triggers; the end
    of ``migrate`` (post_migrate) makes them again."""
    with connection.schema_editor() as editor:
        editor._remake_table(ReportRevision)
    assert "tracking_reportrevision" in append_only.missing_triggers(connection)
    call_command("migrate", verbosity=0)
    assert append_only.missing_triggers(connection) == {}
    table = "tracking_reportrevision"
    columns, select = copy_of(table, first_id(table))
    assert_refused(table, f"REPLACE INTO {table} ({columns}) {select}")
