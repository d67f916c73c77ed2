"""API tokens: made (the secret shown once), listed (never the secret), revoked (refused at
once), by their owner or an administrator, through the API, the web page and the command; the
rate limit per token; and tokens kept out of the logs."""

from __future__ import annotations

import logging

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings

from theodoi.api.models import ApiToken
from theodoi.api.tokens import create_token


def bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_made_once_listed_without_secret_and_revoked_at_once(api_as, users):
    api = api_as("staff")
    made = api.post("/api/tokens", {"name": "  bảng   tính  "})
    assert made.status_code == 201
    secret = made.json()["token"]
    assert secret.startswith("td_") and made.json()["name"] == "bảng tính"
    row = ApiToken.objects.get(pk=made.json()["id"])
    assert secret not in str(vars(row))  # only the hash is stored

    listed = api.get("/api/tokens")
    assert made.json()["prefix"] in listed.content.decode()
    assert secret not in listed.content.decode() and row.token_hash not in listed.content.decode()
    assert "token" not in listed.json()[0]

    assert Client().get("/api/programs", **bearer(secret)).status_code == 200
    revoked = api.post(f"/api/tokens/{row.pk}/revoke")
    assert revoked.status_code == 200 and revoked.json()["active"] is False
    refused = Client().get("/api/programs", **bearer(secret))
    assert refused.status_code == 401
    assert "khóa API" in refused.json()["detail"]

    assert api.post("/api/tokens", {"name": "   "}).status_code == 422


def test_an_administrator_manages_another_users_tokens_and_nobody_else_does(api_as, users):
    made = api_as("admin").post("/api/tokens", {"name": "cho cán bộ", "user": "staff"})
    assert made.status_code == 201
    row = ApiToken.objects.get(pk=made.json()["id"])
    assert row.user == users["staff"] and row.created_by == users["admin"]
    assert made.json()["id"] in [t["id"] for t in api_as("admin").get(
        "/api/tokens", {"user": "staff"}).json()]  # fmt: skip

    outsider = api_as("outsider")
    assert outsider.get("/api/tokens", {"user": "staff"}).status_code == 403
    assert outsider.post("/api/tokens", {"name": "x", "user": "staff"}).status_code == 403
    assert outsider.post(f"/api/tokens/{row.pk}/revoke").status_code == 404
    assert ApiToken.objects.get(pk=row.pk).revoked_at is None
    assert api_as("admin").post(f"/api/tokens/{row.pk}/revoke").status_code == 200
    assert api_as("admin").get("/api/tokens", {"user": "khong-co"}).status_code == 422


def test_unauthenticated_and_bad_tokens_get_401(users, secrets_for):
    for headers in ({}, bearer("td_abc"), bearer(secrets_for["staff"] + "x"),
                    {"HTTP_AUTHORIZATION": "Basic abc"}):  # fmt: skip
        response = Client().get("/api/programs", **headers)
        assert response.status_code == 401, headers
        assert response["WWW-Authenticate"] == "Bearer"
    users["staff"].is_active = False
    users["staff"].save()
    assert Client().get("/api/programs", **bearer(secrets_for["staff"])).status_code == 401


def test_the_rate_limit_counts_per_token_in_the_shared_cache(users, secrets_for):
    staff, head = secrets_for["staff"], secrets_for["head"]
    with override_settings(THEODOI_API_RATE="3/m"):
        cache.clear()
        answers = [Client().get("/api/programs", **bearer(staff)).status_code for _ in range(4)]
        assert answers == [200, 200, 200, 429]
        limited = Client().get("/api/programs", **bearer(staff))
        assert limited.status_code == 429
        assert "thử lại sau" in limited.json()["detail"]
        assert 1 <= int(limited["Retry-After"]) <= 60
        # Another token has its own count.
        assert Client().get("/api/programs", **bearer(head)).status_code == 200
    # The counts live in the database's cache table, which every server process shares.
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM theodoi_cache")
        keys = [row[0] for row in cursor.fetchall()]
    assert any("theodoi_api_rate_token_" in key for key in keys)


def test_tokens_never_reach_the_logs(users, secrets_for, caplog):
    secret = secrets_for["staff"]
    wrong = secret[:-4] + "abcd"
    with caplog.at_level(logging.DEBUG):
        assert Client().get("/api/programs", **bearer(wrong)).status_code == 401
        assert Client().get("/api/programs", **bearer(secret)).status_code == 200
        assert Client().get("/api/tasks/999999", **bearer(secret)).status_code == 404
    assert caplog.records, "the 401 and 404 are logged: the check must see them"
    logged = "\n".join(
        f"{r.getMessage()} {r.args} {getattr(r, 'request', '')!r}" for r in caplog.records
    )
    assert secret not in logged and wrong not in logged
    # the random part whole: token_urlsafe may itself hold "_", and a short piece of it
    # could be in any log line by chance
    assert secret.split("_", 2)[2] not in logged


# --- The web page ------------------------------------------------------------------------------


def test_the_web_page_makes_shows_once_lists_and_revokes(client_for, users):
    client = client_for("staff")
    assert "/account/tokens/" in client.get("/work/").content.decode()  # the user menu
    made = client.post("/account/tokens/", {"action": "create", "name": "Bảng tính"})
    assert made.status_code == 200
    secret = made.context["secret"]
    assert secret in made.content.decode() and "chỉ hiện một lần" in made.content.decode()
    assert made["Cache-Control"].startswith("max-age=0")
    again = client.get("/account/tokens/")
    row = ApiToken.objects.get(user=users["staff"])
    assert secret not in again.content.decode() and row.prefix in again.content.decode()

    other = create_token(users["head"], "của thủ trưởng")[0]
    assert (
        client.post("/account/tokens/", {"action": "revoke", "token": other.pk}).status_code == 404
    )
    assert client.post("/account/tokens/", {"action": "revoke", "token": row.pk}).status_code == 302
    assert ApiToken.objects.get(pk=row.pk).revoked_at is not None
    assert ApiToken.objects.get(pk=other.pk).revoked_at is None

    empty = client.post("/account/tokens/", {"action": "create", "name": ""})
    assert empty.status_code == 422 and "Hãy đặt tên" in empty.content.decode()


def test_the_web_page_needs_its_csrf_token(users):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["staff"])
    assert client.post("/account/tokens/", {"action": "create", "name": "x"}).status_code == 403
    assert not ApiToken.objects.exists()
    assert Client().get("/account/tokens/").status_code == 302  # signed out: to the login page


# --- The command -------------------------------------------------------------------------------


def test_the_command_creates_lists_and_revokes(users, capsys):
    call_command("token", "create", "staff", "--name", "máy chủ báo cáo")
    out = capsys.readouterr().out
    secret = out.strip().splitlines()[-1]
    assert Client().get("/api/programs", **bearer(secret)).status_code == 200
    row = ApiToken.objects.get(user=users["staff"])

    call_command("token", "list", "staff")
    listed = capsys.readouterr().out
    assert f"td_{row.prefix}" in listed and "còn hiệu lực" in listed and secret not in listed

    call_command("token", "revoke", f"td_{row.prefix}")
    assert "Đã thu hồi" in capsys.readouterr().out
    assert Client().get("/api/programs", **bearer(secret)).status_code == 401


@pytest.mark.parametrize(
    "args, message",
    [
        (["create", "khong-co", "--name", "x"], "Không có người dùng khong-co"),
        (["create", "staff", "--name", " "], "Hãy đặt tên"),
        (["revoke", "td_zzzzzzzz"], "Không có khóa API mã “zzzzzzzz”"),
        (["list", "khong-co"], "Không có người dùng khong-co"),
    ],
)
def test_the_command_says_what_is_wrong(users, capsys, args, message):
    with pytest.raises(SystemExit) as exit:
        call_command("token", *args)
    assert exit.value.code == 2
    assert message in capsys.readouterr().err
