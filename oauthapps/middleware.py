"""Where the site's plumbing meets the OAuth endpoints' error shapes.

- `outage_answer`: the body of a database outage's 503 (plumbing/outage.py) in the
  endpoint's own shape; pages get the plain HTML page.
- `MachineEndpointGuard`: what machine endpoints keep (plumbing/machine.py).
- `unreadable_charset_refusal`: the charset guard's 400 (plumbing/charset.py).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

from oauthapps import errors
from plumbing.outage import DatabaseOutageMiddleware


def outage_answer(request: HttpRequest, retry_after: int) -> HttpResponse | None:
    """A 503 in the endpoint's shape (`temporarily_unavailable`); None for pages."""
    shape = view_shape(request)
    if shape == errors.Shape.HTML:
        return None
    error = errors.OAuthError("temporarily_unavailable", {"retry_after": str(retry_after)})
    return errors.error_response(error, shape)


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
    - A database outage answers 503 in the endpoint's shape (plumbing/outage.py).

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
