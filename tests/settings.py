"""Settings for the test suite: the project's settings, with the database the run asks for.

THEODOI_TEST_DATABASE_URL (set by .ci/run) points the suite at a PostgreSQL server; without
it the suite runs on SQLite alone, the way a newcomer first runs it.
"""

import os
import tempfile

if os.environ.get("THEODOI_TEST_DATABASE_URL"):
    os.environ["DATABASE_URL"] = os.environ["THEODOI_TEST_DATABASE_URL"]
else:
    os.environ.pop("DATABASE_URL", None)
os.environ.setdefault("THEODOI_DATA_DIR", tempfile.mkdtemp(prefix="theodoi-test-"))
# Production settings refuse to start without a key, and send plain HTTP to HTTPS: the suite
# (and the commands it runs as subprocesses) gets a key of its own and speaks plain HTTP.
# tests/web/test_security_settings.py checks the production settings themselves.
os.environ.setdefault("THEODOI_SECRET_KEY", "tests-only-" + "k" * 50)
os.environ.setdefault("THEODOI_HTTPS", "0")

from theodoi.settings import *  # noqa: F403

# Passwords hashed as in production, at Argon2's lowest cost (tests/hashers.py); the
# production hashers follow, so hashes made by them still verify.
PASSWORD_HASHERS = [
    "tests.hashers.QuickArgon2PasswordHasher",
    *PASSWORD_HASHERS,  # noqa: F405
]

# Static files straight from the apps: the tests do not run collectstatic first.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 (WhiteNoise looks there)
