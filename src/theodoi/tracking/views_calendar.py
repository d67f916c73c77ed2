"""The calendar feeds over HTTP: ``/calendar/<token>.ics`` (the person's own body) and
``/calendar/<token>/<org code>.ics`` (another body, when the policy lets them see its work).

The token is the whole credential, and it is in the path, so these views keep it out of logs:
nothing here logs the path, and every answer other than the feed is marked as logged already,
so Django's ``django.request`` logger does not write "Not Found: /calendar/<token>..." (it
would, for a valid token asking for a body it may not see). What is logged anyway (an address
no route matches, gunicorn's access log) passes through ``theodoi.logsecrets``, which masks
the secret; a proxy's own access log is outside theodoi.

Every refusal is the same 404, whether the token is unknown, rotated, its owner locked out,
the body unknown or not theirs to see: the answer never tells whether a token exists.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from theodoi.orgs.models import Organization

from .calendar import feed_for, may_follow, user_for_token

logger = logging.getLogger(__name__)

CONTENT_TYPE = "text/calendar; charset=utf-8"


@csrf_exempt  # reads only; and a CSRF refusal would log the path with the token
def own_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed of the token owner's own body."""
    refused = _refused_method(request)
    if refused is not None:
        return refused
    user = user_for_token(token)
    if user is None:
        return _not_found()
    return _feed(user, user.membership.organization)


@csrf_exempt
def body_feed(request: HttpRequest, token: str, code: str) -> HttpResponse:
    """The feed of the body with ``code``, for those the policy lets see its occurrences."""
    refused = _refused_method(request)
    if refused is not None:
        return refused
    user = user_for_token(token)
    if user is None:
        return _not_found()
    organization = Organization.objects.filter(code=code, unresolved=False).first()
    if organization is None or not may_follow(user, organization):
        return _not_found()
    return _feed(user, organization)


def _feed(user, organization: Organization) -> HttpResponse:
    try:
        body = feed_for(user, organization, today=timezone.localdate())
    except PermissionDenied:
        return _not_found()
    except Exception:
        # Logged here without the request: Django's own report of a 500 carries the path.
        logger.exception("calendar feed of %s failed", organization.code)
        return _unlogged(
            HttpResponse("Lỗi máy chủ.", status=500, content_type="text/plain; charset=utf-8")
        )
    response = HttpResponse(body, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'inline; filename="theodoi-{organization.code}.ics"'
    # Private: a shared cache must not keep what a secret address returns.
    response["Cache-Control"] = "private, max-age=900"
    response["X-Robots-Tag"] = "noindex"
    return response


def _refused_method(request: HttpRequest) -> HttpResponse | None:
    if request.method in ("GET", "HEAD"):
        return None
    response = HttpResponse(status=405)
    response["Allow"] = "GET, HEAD"
    return _unlogged(response)


def _not_found() -> HttpResponse:
    return _unlogged(
        HttpResponse("Không tìm thấy.", status=404, content_type="text/plain; charset=utf-8")
    )


def _unlogged(response: HttpResponse) -> HttpResponse:
    """Mark ``response`` as logged, so Django's request logger does not write its path (and
    the token in it). ``_has_been_logged`` is the flag ``django.utils.log.log_response``
    reads."""
    response._has_been_logged = True
    return response
