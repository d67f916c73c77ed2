"""`theodoi member`: a user's body and role, from the command line."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from theodoi.orgs.registry import load_registry_file
from theodoi.tracking.models import Membership
from theodoi.tracking.policy import Action, allows

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def registry():
    load_registry_file(None)


def test_a_superuser_gets_a_body_and_role_and_with_them_the_policy():
    admin = get_user_model().objects.create_superuser("quantri", password="x")
    assert not allows(admin, Action.IMPORT_PROGRAM)
    out = StringIO()
    call_command("member", "quantri", "qn.vptu", "--role", "admin", stdout=out)
    assert "Đã gán: quantri — Quản trị, Văn phòng Tỉnh ủy" in out.getvalue()
    admin.refresh_from_db()
    assert allows(admin, Action.IMPORT_PROGRAM)
    call_command("member", "quantri", "qn.vptu", "--role", "monitor", stdout=StringIO())
    assert Membership.objects.get(user=admin).role == "monitor"


def test_create_makes_the_account():
    call_command("member", "tochuc", "qn.btctu", "--role", "staff", "--create", stdout=StringIO())
    membership = Membership.objects.get(user__username="tochuc")
    assert (membership.organization.code, membership.role) == ("qn.btctu", "staff")
    assert not membership.user.has_usable_password()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nobody", "qn.btctu", "--role", "staff"], "không có người dùng nobody"),
        (
            ["nobody", "qn.khong-co", "--role", "staff", "--create"],
            "không có cơ quan mã qn.khong-co",
        ),
    ],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(args, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        call_command("member", *args)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]
    assert not Membership.objects.exists() and not get_user_model().objects.exists()
