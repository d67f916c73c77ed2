"""The WSGI entry (`theodoi.wsgi:application`) for gunicorn, uWSGI or mod_wsgi run directly.

Without a configured secret key (or with a malformed setting) it stops with one line saying
what to set, rather than a traceback from deep inside Django. Exit status 4 is gunicorn's
"application failed to load": it stops there instead of starting workers again and again."""

import os
import sys

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "theodoi.settings")
try:
    application = get_wsgi_application()
except ImproperlyConfigured as error:
    sys.stderr.write(f"theodoi: {error}\n")
    sys.stderr.flush()
    raise SystemExit(4) from None
