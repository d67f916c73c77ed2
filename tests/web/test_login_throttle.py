"""Login throttling (django-axes) as a person meets it: five wrong passwords lock that account
from that address for a while, with a page in Vietnamese saying how long and whom to ask; the
right password does not get through meanwhile; other people are unaffected; an administrator
unlocks at once; a success clears the count; a forwarded address counts only behind a proxy."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from theodoi.web.security import client_ip

RIGHT = "mat-khau-thu"  # tests/conftest.py's password for every account


def sign_in(client: Client, username: str, password: str):
    return client.post(reverse("web:login"), {"username": username, "password": password})


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(users):
    client = Client()
    for _ in range(4):
        response = sign_in(client, "staff", "sai-mat-khau")
        assert response.status_code == 200  # the form again, with its error
    locked = sign_in(client, "staff", "sai-mat-khau")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Tạm khóa đăng nhập" in page and "Xin chờ 15 phút" in page
    assert "quản trị viên" in page

    right = sign_in(client, "staff", RIGHT)
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("web:home")).status_code == 302  # still signed out

    # Another person at the same machine is not locked out.
    other = Client()
    assert sign_in(other, "head", RIGHT).status_code == 302
    assert "_auth_user_id" in other.session


def test_an_administrator_unlocks_at_once(users):
    client = Client()
    for _ in range(5):
        sign_in(client, "staff", "sai-mat-khau")
    assert sign_in(client, "staff", RIGHT).status_code == 429
    call_command("axes_reset_username", "staff")
    assert sign_in(client, "staff", RIGHT).status_code == 302


def test_a_success_clears_the_count(users):
    client = Client()
    for _ in range(4):
        sign_in(client, "staff", "sai-mat-khau")
    assert sign_in(client, "staff", RIGHT).status_code == 302
    client.post(reverse("web:logout"))
    for _ in range(4):
        assert sign_in(client, "staff", "sai-mat-khau").status_code == 200
    assert sign_in(client, "staff", RIGHT).status_code == 302


def test_the_lock_is_for_that_account_from_that_address(users):
    here = Client(REMOTE_ADDR="10.0.0.5")
    for _ in range(5):
        sign_in(here, "staff", "sai-mat-khau")
    assert sign_in(here, "staff", RIGHT).status_code == 429
    elsewhere = Client(REMOTE_ADDR="10.0.0.9")
    assert sign_in(elsewhere, "staff", RIGHT).status_code == 302


def test_a_forged_forwarded_address_does_not_escape_the_lock(users):
    """Without a proxy, X-Forwarded-For is the client's own writing: changing it on every try
    must not give the attacker fresh attempts."""
    client = Client(REMOTE_ADDR="10.0.0.5")
    for n in range(5):
        client.post(
            reverse("web:login"),
            {"username": "staff", "password": "sai"},
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        )
    response = client.post(
        reverse("web:login"), {"username": "staff", "password": RIGHT},
        HTTP_X_FORWARDED_FOR="192.0.2.99",
    )  # fmt: skip
    assert response.status_code == 429


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, "203.0.113.7", "10.0.0.1"),  # no proxy: the connection's address
        (1, "203.0.113.7", "203.0.113.7"),  # the proxy's entry
        (1, "198.51.100.1, 203.0.113.7", "203.0.113.7"),  # the client's own entry ignored
        (2, "198.51.100.1, 203.0.113.7, 10.1.1.1", "203.0.113.7"),  # two proxies
        (1, "", "10.0.0.1"),  # the proxy sent none
        (1, "not-an-address", "10.0.0.1"),  # never stored as an address
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_address(count, forwarded, expected):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    with override_settings(THEODOI_PROXY_COUNT=count):
        assert client_ip(request) == expected


def test_behind_a_proxy_the_forwarded_address_is_the_one_locked(users):
    with override_settings(THEODOI_PROXY_COUNT=1):
        proxy = Client(REMOTE_ADDR="127.0.0.1")
        for _ in range(5):
            proxy.post(
                reverse("web:login"), {"username": "staff", "password": "sai"},
                HTTP_X_FORWARDED_FOR="203.0.113.7",
            )  # fmt: skip
        blocked = proxy.post(
            reverse("web:login"), {"username": "staff", "password": RIGHT},
            HTTP_X_FORWARDED_FOR="203.0.113.7",
        )  # fmt: skip
        assert blocked.status_code == 429
        # The same account from another address, through the same proxy.
        allowed = proxy.post(
            reverse("web:login"), {"username": "staff", "password": RIGHT},
            HTTP_X_FORWARDED_FOR="203.0.113.8",
        )  # fmt: skip
        assert allowed.status_code == 302
