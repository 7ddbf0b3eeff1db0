"""A database outage answers 503 in each endpoint's own shape, never a 500 or a traceback.

`DatabaseOutageMiddleware` turns errors that say the database cannot be reached
(`OperationalError`, `InterfaceError`) into 503 responses with `Retry-After`:

- JSON endpoints: the shape their view declares (`error_shape`, oauthapps.errors.Shape);
- pages: a plain HTML page (templates/503.html), rendered without touching the database.

Machine endpoints (plumbing/machine.py) run `MachineEndpointGuard` instead, which answers
outages the same way.

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

import logging
import sys

from django.conf import settings
from django.core.signals import got_request_exception
from django.db.utils import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve

from oauthapps import errors

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5

# Connectivity, not data: integrity and programming errors stay 500s.
OUTAGE_ERRORS = (OperationalError, InterfaceError)

_MARK = "_oauthapps_database_outage"


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


@receiver(got_request_exception, dispatch_uid="oauthapps.middleware.mark_outage")
def _mark_outage(sender, request=None, **kwargs) -> None:
    exc = sys.exc_info()[1]
    if request is not None and is_outage(exc):
        setattr(request, _MARK, exc)


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
    shape = view_shape(request)
    if shape == errors.Shape.HTML:
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
    else:
        error = errors.OAuthError(
            "temporarily_unavailable", {"retry_after": str(RETRY_AFTER_SECONDS)}
        )
        response = errors.error_response(error, shape)
    # Logged above: keep django.request from adding a second line for the 503.
    response._has_been_logged = True
    return response


def view_shape(request: HttpRequest) -> errors.Shape:
    """The error shape the request's view declares (`error_shape`); pages answer HTML."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return shape_for_path(request.path_info)
    return _declared_shape(match.func)


def shape_for_path(path: str) -> errors.Shape:
    try:
        match = resolve(path)
    except Resolver404:
        return errors.Shape.HTML
    return _declared_shape(match.func)


def _declared_shape(func) -> errors.Shape:
    view = getattr(func, "view_class", None) or getattr(func, "cls", None) or func
    return getattr(view, "error_shape", None) or getattr(func, "error_shape", errors.Shape.HTML)


class MachineEndpointGuard(DatabaseOutageMiddleware):
    """In `MACHINE_MIDDLEWARE` (plumbing/machine.py): what machine endpoints keep.

    - Plain http where https is required (SECURE_SSL_REDIRECT) is refused with 400 in the
      endpoint's shape: a redirect would come after the secret or token has already
      crossed the network, and clients follow it silently (RFC 9700 §4.16 spirit).
    - A database outage answers 503 in the endpoint's shape (`outage_response`).

    Each view sets its own caching headers (`no-store` on everything that carries a token
    or an error).
    """

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.SECURE_SSL_REDIRECT and not request.is_secure():
            return errors.error_response(errors.OAuthError("https_required"), view_shape(request))
        return super().__call__(request)


def unreadable_charset_refusal(path: str) -> HttpResponse:
    """The charset guard's answer (plumbing/charset.py): 400 in the path's error shape."""
    shape = shape_for_path(path)
    if shape == errors.Shape.HTML:
        shape = errors.Shape.DIALECT
    return errors.error_response(errors.OAuthError("unreadable_body"), shape)
