"""One settings module, configured by environment variables (see README, "Configuration")."""

from __future__ import annotations

import datetime as _dt
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


def _positive(name: str, default: str) -> int:
    """One whole number above zero from the environment, or a clear error."""
    value = _integers(name, default)[0]
    if value < 1:
        raise ImproperlyConfigured(f"{name} phải là số nguyên lớn hơn 0, không phải {value}")
    return value


def _flag(name: str, default: bool) -> bool:
    """An on/off setting: ``1`` or ``0``; unset (or empty) gives the default."""
    raw = os.environ.get(name, "").strip()
    if raw not in {"", "0", "1"}:
        raise ImproperlyConfigured(f"{name} phải là 1 (bật) hoặc 0 (tắt), không phải {raw!r}")
    return default if raw == "" else raw == "1"


DEVELOPMENT_SECRET_KEY = "theodoi-development-only-key-not-for-production"
SECRET_KEY_MISSING = (
    "chưa đặt khóa bí mật: đặt THEODOI_SECRET_KEY (một chuỗi ngẫu nhiên dài) hoặc "
    "THEODOI_SECRET_KEY_FILE (tệp chứa khóa); xem README, mục Cấu hình"
)


def _secret_key(debug: bool) -> str:
    """The key that signs sessions, CSRF tokens and spreadsheets: THEODOI_SECRET_KEY or the file
    THEODOI_SECRET_KEY_FILE names (a Docker/systemd secret). Only a development run
    (THEODOI_DEBUG=1) may fall back to a key written here, which anyone can read; the `theodoi`
    command gives local commands and the demo a key of the data folder (cli.py)."""
    key = os.environ.get("THEODOI_SECRET_KEY", "").strip()
    path = os.environ.get("THEODOI_SECRET_KEY_FILE", "").strip()
    if not key and path:
        try:
            key = Path(path).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as error:
            reason = getattr(error, "strerror", None) or "không đọc được"
            raise ImproperlyConfigured(f"THEODOI_SECRET_KEY_FILE: {path}: {reason}") from None
        if not key:
            raise ImproperlyConfigured(f"THEODOI_SECRET_KEY_FILE: tệp {path} trống")
    if key:
        return key
    if debug:
        return DEVELOPMENT_SECRET_KEY
    raise ImproperlyConfigured(SECRET_KEY_MISSING)


DEBUG = _flag("THEODOI_DEBUG", False)
SECRET_KEY = _secret_key(DEBUG)
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
    "axes",
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
    # Near the top, so every page gets them, even one a middleware below answers itself.
    "csp.middleware.CSPMiddleware",
    "theodoi.web.security.PermissionsPolicyMiddleware",
    "theodoi.web.security.NoStoreMiddleware",  # no copy of a page kept (not static files)
    # Before anything reads the request: NUL and lone surrogates refused, the rest NFC.
    "theodoi.web.middleware.InputMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "theodoi.web.security.SessionRefreshMiddleware",  # idle sessions end (SESSION_COOKIE_AGE)
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "theodoi.web.twofactor.TwoFactorMiddleware",  # mandatory two-factor (THEODOI_REQUIRE_2FA)
    # Who, through what, from where, for the audit (in place of auditlog's own middleware).
    "theodoi.web.channel.ChannelMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "theodoi.web.middleware.DatabaseErrorMiddleware",  # a failed write: "not saved, try again"
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
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
# (cli.main creates the data folder, 0700, and the file, 0600, before a command uses them.)
_database_url = os.environ.get("DATABASE_URL", "").strip()
if not _database_url:
    _database_url = f"sqlite:///{DATA_DIR / 'theodoi.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
# How long a change on SQLite waits for the file's one write lock (another person's import may
# hold it) before it gives up and says so (web.middleware: 503, "busy, try again"); below
# gunicorn's worker timeout (120 s), so the answer always arrives.
THEODOI_SQLITE_WAIT_SECONDS = _positive("THEODOI_SQLITE_WAIT_SECONDS", "60")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several server threads write to one file: take the write lock at the start of a
    # transaction and wait for it, rather than fail with "database is locked"; readers never
    # wait for a writer (WAL).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": THEODOI_SQLITE_WAIT_SECONDS,
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

# --- Security (README, "Security"). `theodoi check --deploy --fail-level WARNING` passes. ---
# HTTPS: on in production unless THEODOI_HTTPS=0; the demo and THEODOI_DEBUG=1 speak plain HTTP.
HTTPS = _flag("THEODOI_HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 365 * 24 * 3600 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = _flag("THEODOI_HSTS_SUBDOMAINS", True)
# Preloading binds the whole domain to HTTPS for years: the domain owner's decision, so off by
# default and its reminder (security.W021) silenced until it is made.
SECURE_HSTS_PRELOAD = _flag("THEODOI_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# Behind a TLS-terminating proxy (nginx, Caddy) that sets X-Forwarded-Proto and X-Forwarded-For.
# Trust these headers only then: anyone can send them to a server reached directly.
BEHIND_PROXY = _flag("THEODOI_PROXY_SSL_HEADER", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many proxies append to X-Forwarded-For in front of theodoi (for the client's address
# that login throttling counts); 0 means the address of the connection itself.
THEODOI_PROXY_COUNT = _integers("THEODOI_PROXY_COUNT", "1" if BEHIND_PROXY else "0")[0]
CSRF_TRUSTED_ORIGINS = [THEODOI_SITE_URL] if "://" in THEODOI_SITE_URL else []

# A session ends after THEODOI_SESSION_HOURS (default 8) without a request: a session in use
# is renewed every few minutes (web.security.SessionRefreshMiddleware).
SESSION_COOKIE_AGE = _positive("THEODOI_SESSION_HOURS", "8") * 3600
SESSION_ENGINE = "theodoi.web.sessions"  # Django's database sessions, read without the ORM
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Only our own files: no inline script or style anywhere (theodoi.js and theodoi.css instead).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

# Argon2 for new passwords; the others still verify older hashes, which are upgraded on login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling (django-axes): THEODOI_LOGIN_FAILURES wrong passwords for one account from
# one address lock that pair for THEODOI_LOGIN_LOCK_MINUTES; a success clears the count.
# An administrator unlocks at once: `theodoi axes_reset_username NAME`.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, reading the person's body and role with them (one query).
    "theodoi.web.signin.MemberBackend",
]
AXES_FAILURE_LIMIT = _positive("THEODOI_LOGIN_FAILURES", "5")
AXES_COOLOFF_TIME = _dt.timedelta(minutes=_positive("THEODOI_LOGIN_LOCK_MINUTES", "15"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "theodoi.web.security.lockout_response"
AXES_CLIENT_IP_CALLABLE = "theodoi.web.security.client_ip"

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

# The cache is shared by every server process: a table of the database (made by `theodoi
# migrate`). (The API's rate counts are rows of their own: api.rate.)
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

# API tokens a person may make in an hour (revoked ones count), and keep live at once.
THEODOI_TOKENS_PER_HOUR = _positive("THEODOI_TOKENS_PER_HOUR", "5")
THEODOI_TOKENS_LIVE = _positive("THEODOI_TOKENS_LIVE", "20")

# Reminders: days before a due date to remind, and the weekday (0 = Monday) for overdue work.
THEODOI_REMIND_DAYS = _integers("THEODOI_REMIND_DAYS", "7,3,1")
THEODOI_OVERDUE_WEEKDAY = _integers("THEODOI_OVERDUE_WEEKDAY", "0")[0] % 7
THEODOI_REMIND_CLAIM_SECONDS = _integers("THEODOI_REMIND_CLAIM_SECONDS", "600")[0]  # see reminders
THEODOI_REMIND_BATCH = _integers("THEODOI_REMIND_BATCH", "200")[0]  # people claimed at once
THEODOI_REMIND_WORKERS = _positive("THEODOI_REMIND_WORKERS", "4")  # batches mailed at once

# Reports of a body's staff wait for the head's sign-off before they reach the office, as a
# body's report goes out under its head's signature; "0" lets staff send straight to the office.
THEODOI_HEAD_SIGN_OFF = os.environ.get("THEODOI_HEAD_SIGN_OFF", "1") != "0"

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
# The admin never shows a person's TOTP secret or its QR code: whoever saw it could make their
# codes. (django-otp's pages for them then answer 403, also for a device that does not exist.)
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Logs go to standard error (gunicorn's error log under `theodoi serve`): warnings and errors,
# including Django's "Internal Server Error" with its traceback. A refused request (4xx) is one
# line, method, path, status, user and reason, without a traceback (theodoi/web/logs.py). Every
# record then passes through SecretsFilter, which masks calendar secrets and API tokens
# (theodoi/logsecrets.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "refusals": {"()": "theodoi.web.logs.RefusalFilter"},
        "secrets": {"()": "theodoi.logsecrets.SecretsFilter"},
    },
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
            "filters": ["refusals", "secrets"],
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
# A form's fields other than files may not exceed 2.5 MB. Stored files are readable by their
# owner only, whatever the umask, as is the data folder (theodoi/private.py).
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

# Reading an imported document within bounds (what a .docx or PDF may expand to, its pages and
# objects, OCR, the time): THEODOI_IMPORT_MAX_<NAME> sets the bound <name>, e.g.
# THEODOI_IMPORT_MAX_UNPACKED_MB=100; unset, the default of parsing/readers/limits.py holds
# (docs/import.md lists them and why).
THEODOI_IMPORT_LIMITS = {
    name: _positive(f"THEODOI_IMPORT_MAX_{name.upper()}", "1")
    for name in (
        *("unpacked_mb", "members", "ratio", "xml_nodes", "xml_depth", "pages", "page_objects"),
        *("content_mb", "ocr_pages", "ocr_seconds", "text_chars", "seconds"),
    )
    if os.environ.get(f"THEODOI_IMPORT_MAX_{name.upper()}", "").strip()
}
