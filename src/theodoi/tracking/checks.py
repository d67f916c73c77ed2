"""``theodoi check --deploy``: the append-only tables hold only if the server cannot undo
their triggers (``append_only``). On PostgreSQL that means it connects as a role that is
neither a superuser nor the tables' owner, and may only read and add there
(docs/production.md); on both databases, every trigger is in place and fires.

A deployment check (it asks the database, so only ``--deploy`` runs it, on the databases
named by ``--database`` or the default one): warnings, since the server still works.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.core.checks import CheckMessage, Tags, register
from django.core.checks import Warning as CheckWarning
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import append_only

_WIDER = ("UPDATE", "DELETE", "TRUNCATE", "TRIGGER")
_HINT = gettext_lazy(
    "Xem docs/production.md: vai trò chủ sở hữu chạy migrate, vai trò ứng dụng chạy máy chủ."
)


@register(Tags.security, Tags.database, deploy=True)
def append_only_tables(
    app_configs: Sequence | None = None, databases: Iterable[str] | None = None, **kwargs
) -> list[CheckMessage]:
    """Warnings for each database the server would connect to."""
    messages: list[CheckMessage] = []
    for alias in databases or [DEFAULT_DB_ALIAS]:
        connection = connections[alias]
        try:
            if connection.vendor == "postgresql":
                messages += _roles(connection)
            messages += _triggers(connection)
        except DatabaseError as error:
            messages.append(
                CheckWarning(
                    _(
                        "Không kiểm tra được bảng chỉ ghi thêm trên cơ sở dữ liệu %(alias)s: "
                        "%(error)s"
                    )
                    % {"alias": alias, "error": error},
                    hint=_("Kiểm tra DATABASE_URL và máy chủ cơ sở dữ liệu."),
                    id="tracking.W005",
                )
            )
    return messages


def _roles(connection) -> list[CheckMessage]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user")
        user, superuser = cursor.fetchone()
        if superuser:
            return [
                CheckWarning(
                    _(
                        "Ứng dụng kết nối PostgreSQL bằng %(user)s, một superuser: nó có thể tắt "
                        "hay xóa trigger giữ nhật ký thay đổi và lịch sử báo cáo."
                    )
                    % {"user": user},
                    hint=_HINT,
                    id="tracking.W001",
                )
            ]
        # What the application could undo the triggers through: the table itself, the schema
        # holding it (its owner may drop the table), the trigger function (may replace it).
        owned = [(what, owner) for what, owner, acts_as_owner in _owners(cursor) if acts_as_owner]
        messages = [
            CheckWarning(
                _(
                    "Ứng dụng kết nối bằng %(user)s, là (hoặc đóng vai được) chủ sở hữu "
                    "%(owner)s của %(what)s: nó có thể tắt, thay hay xóa trigger chỉ ghi thêm."
                )
                % {"user": user, "owner": owner, "what": what},
                hint=_HINT,
                id="tracking.W002",
            )
            for what, owner in owned
        ]
        for table in append_only.TABLES:
            cursor.execute(
                "SELECT "
                + ", ".join(f"has_table_privilege(oid, '{right}')" for right in _WIDER)
                + " FROM pg_class WHERE oid = to_regclass(%s)",
                [table],
            )
            rights = cursor.fetchone() or [False] * len(_WIDER)  # none: not migrated yet
            wider = [right for right, granted in zip(_WIDER, rights, strict=True) if granted]
            if wider and not owned:
                messages.append(
                    CheckWarning(
                        _(
                            "Vai trò %(user)s có quyền %(rights)s trên bảng chỉ ghi thêm "
                            "%(table)s; chỉ cần SELECT và INSERT."
                        )
                        % {"user": user, "rights": ", ".join(wider), "table": table},
                        hint=_HINT,
                        id="tracking.W003",
                    )
                )
        return messages


def _owners(cursor) -> list[tuple[str, str, bool]]:
    """``(what, its owner, whether the current user is or may become that owner)`` for each
    append-only table, the schema holding it, and the trigger function."""
    found = []
    for table in append_only.TABLES:
        cursor.execute(
            "SELECT n.nspname, pg_get_userbyid(c.relowner),"
            " pg_has_role(current_user, c.relowner, 'MEMBER'), pg_get_userbyid(n.nspowner),"
            " pg_has_role(current_user, n.nspowner, 'MEMBER')"
            " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.oid = to_regclass(%s)",
            [table],
        )
        if row := cursor.fetchone():
            schema, owner, is_owner, schema_owner, owns_schema = row
            found.append((_("bảng %(table)s") % {"table": table}, owner, is_owner))
            found.append((_("schema %(schema)s") % {"schema": schema}, schema_owner, owns_schema))
    cursor.execute(
        "SELECT pg_get_userbyid(proowner), pg_has_role(current_user, proowner, 'MEMBER')"
        " FROM pg_proc WHERE proname = %s",
        [append_only.FUNCTION],
    )
    for owner, is_owner in cursor.fetchall():
        found.append((_("hàm %(name)s") % {"name": append_only.FUNCTION}, owner, is_owner))
    return list(dict.fromkeys(found))  # one schema holds both tables


def _triggers(connection) -> list[CheckMessage]:
    return [
        CheckWarning(
            _("Bảng %(table)s thiếu hoặc đã tắt trigger chỉ ghi thêm: %(names)s.")
            % {"table": table, "names": ", ".join(names)},
            hint=_(
                "Chạy theodoi migrate (vai trò chủ sở hữu); trên PostgreSQL, trigger bị tắt "
                "thì bật lại: ALTER TABLE … ENABLE ALWAYS TRIGGER …"
            ),
            id="tracking.W004",
        )
        for table, names in append_only.missing_triggers(connection).items()
    ]
