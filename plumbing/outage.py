"""A database outage answers 503, never a 500 or a traceback.

`DatabaseOutageMiddleware` turns errors that say the database cannot be reached
(`OperationalError`, `InterfaceError`) into 503 responses with `Retry-After`. The body
is the site's: the callable the `DATABASE_OUTAGE_ANSWER` setting names returns the
response for a request (JSON endpoints answer in their own shape), or None for the plain
HTML page (templates/503.html), rendered without touching the database.

Errors from views (DRF views re-raise them) arrive in `process_exception`. Errors raised
by other middleware (a session saved after the view, for instance) never reach a
middleware as exceptions: Django turns them into a 500 response on the spot. A
`got_request_exception` receiver marks the request, and the middleware, placed outside
the session, auth and message middleware, replaces that 500 with the 503.

Nothing here keeps state between requests: Django closes unusable connections at the
end of each request (and checks persistent ones first with CONN_HEALTH_CHECKS), so the
first request after the database is back is served normally.
"""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable

from django.conf import settings
from django.core.signals import got_request_exception
from django.db.utils import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5

# Connectivity, not data: integrity and programming errors stay 500s.
OUTAGE_ERRORS = (OperationalError, InterfaceError)

_MARK = "_plumbing_database_outage"


def is_outage(exc: BaseException | None) -> bool:
    return isinstance(exc, OUTAGE_ERRORS)


class DatabaseOutageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        exc = getattr(request, _MARK, None)
        if exc is not None and response.status_code == 500:
            # Raised inside another middleware (Django has logged it with its traceback).
            return outage_response(request, exc)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception):
        if is_outage(exception):
            return outage_response(request, exception)
        return None


@receiver(got_request_exception, dispatch_uid="plumbing.outage.mark_outage")
def _mark_outage(sender, request=None, **kwargs) -> None:
    exc = sys.exc_info()[1]
    if request is not None and is_outage(exc):
        setattr(request, _MARK, exc)


@functools.cache
def _site_answer(path: str | None) -> Callable[[HttpRequest, int], HttpResponse | None]:
    return import_string(path) if path else (lambda request, retry_after: None)


def outage_response(request: HttpRequest, exc: BaseException) -> HttpResponse:
    # One line: the path (no query string), never the body or the headers.
    detail = " ".join(str(exc).split())[:200]
    log.error(
        "Database unavailable: %s %s: %s: %s",
        request.method,
        request.path,
        type(exc).__name__,
        detail,
    )
    answer = _site_answer(getattr(settings, "DATABASE_OUTAGE_ANSWER", None))
    response = answer(request, RETRY_AFTER_SECONDS)
    if response is None:
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
    # Logged above: keep django.request from adding a second line for the 503.
    response._has_been_logged = True
    return response
