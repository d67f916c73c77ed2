"""The database the suite runs on works for Vietnamese text, on SQLite and on PostgreSQL."""

import os
import unicodedata

import pytest
from django.contrib.auth.models import Group
from django.db import connection


@pytest.mark.django_db
def test_the_suite_runs_on_the_database_it_was_asked_for():
    expected = "postgresql" if os.environ.get("THEODOI_TEST_DATABASE_URL") else "sqlite"
    assert connection.vendor == expected


@pytest.mark.django_db
def test_vietnamese_names_round_trip_in_nfc():
    name = unicodedata.normalize("NFC", "Ban Tuyên giáo Tỉnh ủy – Đảng ủy Khối")
    Group.objects.create(name=name)
    stored = Group.objects.get(name=name).name
    assert stored == name
    assert unicodedata.is_normalized("NFC", stored)
