"""Production settings as an operator meets them: `theodoi check --deploy` clean with a real
configuration, a server that will not start without a secret key (one line, no traceback),
HTTPS on by default, Argon2 passwords, and the security headers on every kind of response."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.test import Client, override_settings
from django.urls import reverse

from theodoi import settings as production

MISSING = "chưa đặt khóa bí mật: đặt THEODOI_SECRET_KEY"


def _env(tmp_path: Path, **extra: str) -> dict:
    """A clean environment, as on a server: none of the test suite's THEODOI_* variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("THEODOI_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    env["THEODOI_DATA_DIR"] = str(tmp_path / "data")
    env.update(extra)
    return env


def _run(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, env=env, timeout=300
    )


def _production(tmp_path: Path, **extra: str) -> dict:
    production_env = {
        "THEODOI_SECRET_KEY": secrets.token_urlsafe(60),
        "THEODOI_ALLOWED_HOSTS": "theodoi.quangngai.gov.vn",
        "THEODOI_SITE_URL": "https://theodoi.quangngai.gov.vn",
        "THEODOI_HTTPS": "1",
    }
    return _env(tmp_path, **(production_env | extra))


def test_check_deploy_passes_without_a_warning_in_production(tmp_path):
    result = _run(
        ["-m", "theodoi.cli", "check", "--deploy", "--fail-level", "WARNING"], _production(tmp_path)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_with_the_key_in_a_file(tmp_path):
    key_file = tmp_path / "secret"
    key_file.write_text(secrets.token_urlsafe(60) + "\n", encoding="utf-8")
    env = _production(tmp_path, THEODOI_SECRET_KEY_FILE=str(key_file))
    del env["THEODOI_SECRET_KEY"]
    result = _run(["-m", "theodoi.cli", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "command",
    [["check", "--deploy", "--fail-level", "WARNING"], ["serve", "--bind", "127.0.0.1:1"]],
)
def test_without_a_key_check_deploy_and_serve_refuse_in_one_line(tmp_path, command):
    env = _production(tmp_path)
    del env["THEODOI_SECRET_KEY"]
    result = _run(["-m", "theodoi.cli", *command], env)
    assert result.returncode == 2
    assert result.stderr.strip().startswith("theodoi: " + MISSING)
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_the_wsgi_entry_refuses_without_a_key(tmp_path):
    """gunicorn/uWSGI importing theodoi.wsgi directly: one line, and exit status 4, which makes
    gunicorn stop instead of restarting workers."""
    env = _production(tmp_path)
    del env["THEODOI_SECRET_KEY"]
    result = _run(["-c", "import theodoi.wsgi"], env)
    assert result.returncode == 4
    assert result.stderr.strip() == "theodoi: " + production.SECRET_KEY_MISSING


def test_an_unreadable_key_file_is_named(tmp_path):
    env = _production(tmp_path, THEODOI_SECRET_KEY_FILE=str(tmp_path / "nowhere"))
    del env["THEODOI_SECRET_KEY"]
    result = _run(["-m", "theodoi.cli", "check", "--deploy"], env)
    assert result.returncode == 2
    assert str(tmp_path / "nowhere") in result.stderr and "Traceback" not in result.stderr


def test_local_commands_use_the_data_folder_key_and_debug_a_development_key(tmp_path):
    """No key configured: `theodoi check` (like import, migrate, the demo) runs with a key made
    once in the data folder, readable by its owner only; THEODOI_DEBUG=1 uses the fixed
    development key and never writes one."""
    result = _run(["-m", "theodoi.cli", "check"], _env(tmp_path))
    assert result.returncode == 0, result.stderr
    key = tmp_path / "data" / "secret-key"
    assert key.stat().st_mode & 0o777 == 0o600 and len(key.read_text().strip()) >= 50
    again = _run(["-m", "theodoi.cli", "check"], _env(tmp_path))
    assert again.returncode == 0 and key.read_text() == key.read_text()
    debug = _run(
        ["-c", "from theodoi import settings as s; print(s.SECRET_KEY)"],
        _env(tmp_path / "debug", THEODOI_DEBUG="1"),
    )
    assert debug.stdout.strip() == production.DEVELOPMENT_SECRET_KEY


def _settings_in(env: dict) -> dict:
    names = [
        "DEBUG", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
        "SECURE_PROXY_SSL_HEADER", "CSRF_TRUSTED_ORIGINS", "SESSION_COOKIE_AGE",
        "THEODOI_PROXY_COUNT", "AXES_FAILURE_LIMIT",
    ]  # fmt: skip
    code = (
        "import json; from theodoi import settings as s; "
        f"print(json.dumps({{n: getattr(s, n, None) for n in {names!r}}}))"
    )
    result = _run(["-c", code], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_https_is_on_by_default_in_production_and_off_for_the_demo(tmp_path):
    env = _production(tmp_path)
    del env["THEODOI_HTTPS"]
    on = _settings_in(env)
    assert on["DEBUG"] is False
    assert on["SESSION_COOKIE_SECURE"] and on["CSRF_COOKIE_SECURE"] and on["SECURE_SSL_REDIRECT"]
    assert on["SECURE_HSTS_SECONDS"] == 31_536_000 and on["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert on["SECURE_HSTS_PRELOAD"] is False  # the domain owner's decision
    assert on["SECURE_PROXY_SSL_HEADER"] is None and on["THEODOI_PROXY_COUNT"] == 0
    assert on["CSRF_TRUSTED_ORIGINS"] == ["https://theodoi.quangngai.gov.vn"]
    assert on["SESSION_COOKIE_AGE"] == 8 * 3600

    proxied = _settings_in(
        _production(tmp_path, THEODOI_PROXY_SSL_HEADER="1", THEODOI_SESSION_HOURS="4")
    )
    assert proxied["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert proxied["THEODOI_PROXY_COUNT"] == 1 and proxied["SESSION_COOKIE_AGE"] == 4 * 3600

    # What cli.py gives `theodoi demo`: plain HTTP on 127.0.0.1, cookies not limited to HTTPS.
    off = _settings_in(_production(tmp_path, THEODOI_HTTPS="0"))
    assert not (off["SESSION_COOKIE_SECURE"] or off["SECURE_SSL_REDIRECT"])
    assert off["SECURE_HSTS_SECONDS"] == 0


def test_a_malformed_setting_is_refused_in_one_line(tmp_path):
    result = _run(["-m", "theodoi.cli", "check"], _production(tmp_path, THEODOI_HTTPS="yes"))
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == "theodoi: THEODOI_HTTPS phải là 1 (bật) hoặc 0 (tắt), không phải 'yes'"
    )


@pytest.mark.django_db
def test_new_passwords_are_hashed_with_argon2_and_old_ones_upgraded_on_login():
    with override_settings(PASSWORD_HASHERS=production.PASSWORD_HASHERS):
        made = get_user_model().objects.create_user("moi", password="mat-khau-rat-dai")
        assert made.password.startswith("argon2$argon2id$")
        old = get_user_model().objects.create_user("cu")
        old.password = make_password(
            "mat-khau-cu-dai", hasher="pbkdf2_sha256"
        )  # a hash from before Argon2
        old.save()
        response = Client().post(
            reverse("web:login"), {"username": "cu", "password": "mat-khau-cu-dai"}
        )
        assert response.status_code == 302
        old.refresh_from_db()
        assert old.password.startswith("argon2$")
        assert old.check_password("mat-khau-cu-dai")


def test_password_validators_refuse_short_and_common_passwords():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ["ngan", "123456789012", "password123"]:
        with pytest.raises(ValidationError):
            validate_password(weak)
    validate_password("theo-doi-chuong-trinh-2025")


HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


def _assert_headers(response) -> None:
    for name, value in HEADERS.items():
        if name == "Content-Security-Policy":
            # The order of directives is django-csp's; the set of them is ours.
            assert sorted(response[name].split("; ")) == sorted(value.split("; ")), name
        else:
            assert response[name] == value, name


def test_security_headers_on_a_page_a_404_and_the_api(client_for):
    client = client_for("staff")
    page = client.get(reverse("web:home"), follow=True)
    assert page.status_code == 200
    _assert_headers(page)
    missing = client.get("/khong-co-trang-nay/")
    assert missing.status_code == 404
    _assert_headers(missing)
    login = Client().get(reverse("web:login"))
    _assert_headers(login)
    api = Client().get("/api/programs", HTTP_AUTHORIZATION="Bearer td_khong-dung")
    assert api.status_code in {401, 404}
    _assert_headers(api)


def test_the_session_cookie_is_httponly_lax_and_lasts_the_idle_limit(users):
    response = Client().post(
        reverse("web:login"), {"username": "staff", "password": "mat-khau-thu"}
    )
    assert response.status_code == 302
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == 8 * 3600
