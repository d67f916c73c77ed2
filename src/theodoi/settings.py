"""One settings module, configured by environment variables (see README, "Configuration")."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured


def _integers(name: str, default: str) -> tuple[int, ...]:
    """A comma-separated list of whole numbers from the environment, or a clear error."""
    raw = os.environ.get(name, default)
    try:
        values = tuple(int(part) for part in raw.split(",") if part.strip())
    except ValueError:
        values = ()
    if not values or min(values) < 0:
        raise ImproperlyConfigured(f"{name} must be whole numbers separated by commas, not {raw!r}")
    return values


BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("THEODOI_DATA_DIR", Path.cwd() / "theodoi-data")).resolve()

DEBUG = os.environ.get("THEODOI_DEBUG", "") == "1"
SECRET_KEY = os.environ.get("THEODOI_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and os.environ.get("THEODOI_REQUIRE_SECRET_KEY") == "1":
        raise RuntimeError("THEODOI_SECRET_KEY must be set in production")
    SECRET_KEY = "theodoi-development-only-key-not-for-production"
ALLOWED_HOSTS = [
    h for h in os.environ.get("THEODOI_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h
]
# The address people reach theodoi at, for links made outside a request (calendar feeds).
THEODOI_SITE_URL = os.environ.get("THEODOI_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "theodoi.web.apps.AdminConfig",  # django.contrib.admin; the site asks for 2FA
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "auditlog",
    "theodoi.orgs",
    "theodoi.programs",
    "theodoi.tracking",
    "theodoi.plans",
    "theodoi.reporting",
    "theodoi.web",
    "theodoi.api",
    "ninja",  # the interactive API documentation's static files
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "theodoi.web.twofactor.TwoFactorMiddleware",  # mandatory two-factor (THEODOI_REQUIRE_2FA)
    "auditlog.middleware.AuditlogMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "theodoi.web.middleware.DatabaseErrorMiddleware",  # a failed write: "not saved, try again"
]

ROOT_URLCONF = "theodoi.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "theodoi.web.context.navigation",
            ],
        },
    },
]
WSGI_APPLICATION = "theodoi.wsgi.application"

# SQLite in the data folder unless DATABASE_URL names another database (PostgreSQL).
# (cli.main creates the data folder before a command that may use it.)
_database_url = os.environ.get("DATABASE_URL", "").strip()
if not _database_url:
    _database_url = f"sqlite:///{DATA_DIR / 'theodoi.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several server threads write to one file: take the write lock at the start of a
    # transaction and wait for it, rather than fail with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Vietnamese first; English through Django's i18n.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("THEODOI_TIME_ZONE", "Asia/Ho_Chi_Minh")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Compressed, cache-busting names in production; plain files where nothing was collected
    # (tests, and a fresh checkout before `collectstatic`).
    "staticfiles": {
        "BACKEND": os.environ.get(
            "THEODOI_STATIC_STORAGE",
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}

LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

# Email: SMTP when THEODOI_EMAIL_HOST is set; otherwise mails are written as files to
# THEODOI_DATA_DIR/outbox, so nothing is lost on a machine without a mail server.
EMAIL_HOST = os.environ.get("THEODOI_EMAIL_HOST", "")
EMAIL_PORT = _integers("THEODOI_EMAIL_PORT", "25")[0]
EMAIL_HOST_USER = os.environ.get("THEODOI_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("THEODOI_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("THEODOI_EMAIL_TLS", "") == "1"
EMAIL_USE_SSL = os.environ.get("THEODOI_EMAIL_SSL", "") == "1"
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = os.environ.get("THEODOI_EMAIL_FROM", "theodoi <theodoi@localhost>")
EMAIL_BACKEND = os.environ.get(
    "THEODOI_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = DATA_DIR / "outbox"

# The cache (the API's rate counts) is shared by every server process: a database table
# (made by `theodoi migrate`) unless THEODOI_CACHE_URL names Redis (redis://host:6379/0).
_cache_url = os.environ.get("THEODOI_CACHE_URL", "").strip()
if _cache_url.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _cache_url,
        }
    }
elif _cache_url:
    raise ImproperlyConfigured(f"THEODOI_CACHE_URL must be a redis:// address, not {_cache_url!r}")
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "theodoi_cache",
            "OPTIONS": {"MAX_ENTRIES": 20000},
        }
    }
# API calls allowed per token: "600/m" (per s, m, h or d).
THEODOI_API_RATE = os.environ.get("THEODOI_API_RATE", "600/m").strip()
_calls, _, _window = THEODOI_API_RATE.partition("/")
if not (_calls.isdigit() and int(_calls) > 0) or _window.lstrip("0123456789") not in (
    {"s", "sec", "m", "min", "h", "hour", "d", "day"}
):
    raise ImproperlyConfigured(
        f"THEODOI_API_RATE must read like 600/m (calls per s, m, h or d), not {THEODOI_API_RATE!r}"
    )

# Reminders: days before a due date to remind, and the weekday (0 = Monday) for overdue work.
THEODOI_REMIND_DAYS = _integers("THEODOI_REMIND_DAYS", "7,3,1")
THEODOI_OVERDUE_WEEKDAY = _integers("THEODOI_OVERDUE_WEEKDAY", "0")[0] % 7
THEODOI_REMIND_CLAIM_SECONDS = _integers("THEODOI_REMIND_CLAIM_SECONDS", "600")[0]  # see reminders

# Reports of a body's staff wait for the head's sign-off before they reach the office.
THEODOI_HEAD_SIGN_OFF = os.environ.get("THEODOI_HEAD_SIGN_OFF", "") == "1"

# Two-factor sign-in (django-otp, TOTP): roles that must use it, e.g. "monitor,admin"; anyone
# may turn it on. The issuer is the name authenticator apps show beside the code.
THEODOI_REQUIRE_2FA = tuple(
    role.strip() for role in os.environ.get("THEODOI_REQUIRE_2FA", "").split(",") if role.strip()
)
if set(THEODOI_REQUIRE_2FA) - {"admin", "monitor", "leader", "head", "staff"}:
    raise ImproperlyConfigured(
        "THEODOI_REQUIRE_2FA: roles among admin, monitor, leader, head, staff, separated by commas"
    )
OTP_TOTP_ISSUER = "theodoi"

# Logs go to standard error (gunicorn's error log under `theodoi serve`): warnings and errors,
# including Django's "Internal Server Error" with its traceback. Every record passes through
# SecretsFilter, which masks calendar secrets and API tokens (theodoi/logsecrets.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"secrets": {"()": "theodoi.logsecrets.SecretsFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["secrets"],
        },
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["secrets"],
        },
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.request": {"filters": ["secrets"], "level": "WARNING", "propagate": True},
        "django.server": {
            "handlers": ["django.server"],
            "filters": ["secrets"],
            "level": "INFO",
            "propagate": False,
        },
    },
}

# Uploads: up to 2.5 MB a file is read in memory, larger ones stream to a temporary file;
# each kind of upload then checks its own limit (evidence 20 MB: THEODOI_MAX_UPLOAD_BYTES;
# program import 20 MB: THEODOI_IMPORT_MAX_BYTES; spreadsheet 5 MB: THEODOI_SHEET_MAX_BYTES).
# A form's fields other than files may not exceed 2.5 MB. Stored files are not world-readable.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750
