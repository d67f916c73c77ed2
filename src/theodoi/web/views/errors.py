"""The answer to a failure no view caught: Django calls ``handler500`` for an exception
raised anywhere in the request, middleware included. A database failure there (the session
read or saved around the view) gets the same "try again" 503 as one inside a view; anything
else gets Django's own 500 page."""

from __future__ import annotations

import sys

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.views import defaults

from theodoi.web.middleware import database_failure


def server_error(request: HttpRequest) -> HttpResponse:
    exception = sys.exc_info()[1]
    if isinstance(exception, DatabaseError):
        return database_failure(request, exception)
    return defaults.server_error(request)
