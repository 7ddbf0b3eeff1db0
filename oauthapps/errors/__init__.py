"""The one place that shapes OAuth error bodies.

Every error Gatehouse answers on an OAuth or API endpoint is an `OAuthError` naming a
*reason* from `REASONS`. The reason fixes three things: the RFC 6749 / 6750 error code,
the sentence a person reads (ContentDB's wording where ContentDB has one), and the
status. The dialect (`OAUTHAPPS["DIALECT"]`) then decides the body and status:

- contentdb: `{"success": false, "error": "<sentence>"}`, 400 (403 on the API);
- rfc6749:   `{"error": "<code>", "error_description": "<sentence>"}`, the RFC status,
             with `WWW-Authenticate` for 401s.

Views never branch on the dialect; they raise or return `OAuthError`s. Each endpoint
declares its `Shape` once (the view's `error_shape`), and `error_response(error, shape)`
is the one function that turns an error into a response, for every endpoint, the outage
middleware and the WSGI guard alike.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from enum import StrEnum

from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from rest_framework import exceptions as drf_exceptions

from oauthapps.conf import app_settings
from oauthapps.errors.catalogue import REASONS
from plumbing import machine as plumbing_machine

log = logging.getLogger(__name__)


class _Blanks(dict):
    def __missing__(self, key: str) -> str:
        return "?"


class Shape(StrEnum):
    """How an endpoint answers errors; each view declares one (`error_shape`)."""

    # The token endpoint: the dialect's body; 401s challenge for HTTP Basic.
    DIALECT = "dialect"
    # Revocation, introspection, metadata, JWKS: RFC 6749's body in every dialect (none of
    # them exists in ContentDB); 401s challenge for HTTP Basic.
    RFC = "rfc"
    # The DRF API (whoami, delete-token, app registration): the dialect's body; in the RFC
    # dialect 401 and 403 carry RFC 6750's Bearer challenge.
    API = "api"
    # OpenID Connect's UserInfo: RFC 6750's body and Bearer challenge in every dialect.
    BEARER = "bearer"
    # Pages: an HTML page (the authorization endpoint, the settings pages).
    HTML = "html"


def machine_endpoint(shape: Shape):
    """Mark a function view as a machine endpoint (plumbing/machine.py) answering errors in
    `shape`; class-based views set `machine_endpoint = True` and `error_shape`."""

    def mark(view):
        view.error_shape = shape
        return plumbing_machine.machine_endpoint(view)

    return mark


@dataclass
class OAuthError(Exception):
    """An error with a reason from REASONS; `params` fill the sentence's blanks."""

    reason: str
    params: dict[str, str] = field(default_factory=dict)
    # For "api_refusal": DRF's own (status, code).
    drf: tuple[int, str] | None = None

    def __post_init__(self) -> None:
        if self.reason not in REASONS:
            raise ValueError(f"Unknown OAuth error reason: {self.reason}")
        super().__init__(self.reason)

    @property
    def code(self) -> str:
        return self.drf[1] if self.drf else REASONS[self.reason][0]

    @property
    def message(self) -> str:
        return REASONS[self.reason][1].format_map(_Blanks(self.params))

    def status_in(self, *, rfc: bool) -> int:
        if self.drf:
            return self.drf[0]
        _, _, rfc_status, contentdb_status = REASONS[self.reason]
        return rfc_status if rfc else contentdb_status


def is_contentdb() -> bool:
    return app_settings.DIALECT == "contentdb"


def unsupported_grant_type() -> OAuthError:
    grants = list(app_settings.GRANT_TYPES)
    if len(grants) == 1:
        listed = f"{grants[0]} is"
    else:
        listed = f"{', '.join(grants[:-1])} and {grants[-1]} are"
    return OAuthError("unsupported_grant_type", {"grant_types": listed})


def invalid_scope(scope: str, allowed: list[str]) -> OAuthError:
    return OAuthError(
        "invalid_scope", {"scope": scope or "(none)", "allowed": ", ".join(allowed) or "(none)"}
    )


def rate_limited(wait: int) -> OAuthError:
    return OAuthError("rate_limited", {"retry_after": str(wait)})


# ---- the one response builder ----------------------------------------------------------


def error_response(error: OAuthError, shape: Shape) -> JsonResponse:
    """The response for `error` on an endpoint of `shape` (not for pages)."""
    rfc = shape in (Shape.RFC, Shape.BEARER) or not is_contentdb()
    status = error.status_in(rfc=rfc)
    if rfc:
        body = {"error": error.code, "error_description": error.message}
    else:
        body = {"success": False, "error": error.message}
    response = JsonResponse(body, status=status)
    if "retry_after" in error.params:
        response["Retry-After"] = error.params["retry_after"]
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    if shape in (Shape.API, Shape.BEARER):
        if rfc and status in (401, 403) and error.reason != "server_error":
            response["WWW-Authenticate"] = f'Bearer error="{error.code}"'
    elif status == 401:
        response["WWW-Authenticate"] = 'Basic realm="gatehouse"'
    return response


def unreadable_body(request: HttpRequest) -> OAuthError | None:
    """Parse the form now, where a refusal can be shaped; the error if Django refuses it.

    Django raises when a body is larger than DATA_UPLOAD_MAX_MEMORY_SIZE, has more than
    DATA_UPLOAD_MAX_NUMBER_FIELDS fields, is broken multipart, or is not UTF-8, and would
    answer with its HTML 400 page.
    """
    try:
        request.POST  # noqa: B018
        request.GET  # noqa: B018 - decoded with the body's charset, which may be bogus
    except RequestDataTooBig:
        return OAuthError("request_too_large")
    except (SuspiciousOperation, BadRequest, MultiPartParserError, LookupError, ValueError):
        return OAuthError("unreadable_body")
    return None


# ---- what oauthlib reports, translated --------------------------------------------------

# oauthlib reports most refusals only as `invalid_grant` or `invalid_client`. Gatehouse's
# validator writes the precise reason on the oauthlib request it was checking
# (`refuse(request, ...)`, as django-oauth-toolkit carries `request.oauth2_error`), and
# the view reads it from there (`from_oauthlib`).
_REASON_ATTRIBUTE = "gatehouse_error"


def refuse(request, reason: str, **params: str) -> bool:
    """Note on the oauthlib request why it is refused; returns False for the validator."""
    setattr(request, _REASON_ATTRIBUTE, OAuthError(reason, params))
    return False


def forget_refusal(request) -> None:
    if getattr(request, _REASON_ATTRIBUTE, None) is not None:
        setattr(request, _REASON_ATTRIBUTE, None)


_OAUTHLIB_DEFAULTS = {
    "invalid_client": "invalid_client",
    "invalid_grant": "invalid_code",
    "invalid_scope": "scope_exceeds_grant",  # a refresh asking for more than was granted
    "unauthorized_client": "unauthorized_client",
    "unsupported_grant_type": "unsupported_grant_type",
}


def from_oauthlib(code: str, description: str, request, *, grant_type: str = "") -> OAuthError:
    """Translate oauthlib's error (code, description) on `request` into an OAuthError."""
    if description == "Code verifier required.":
        return OAuthError("missing_code_verifier")
    noted = getattr(request, _REASON_ATTRIBUTE, None) if request is not None else None
    if noted:
        noted.params.setdefault("grant_type", grant_type)
        return noted
    if code == "unsupported_grant_type":
        return unsupported_grant_type()
    if code in _OAUTHLIB_DEFAULTS:
        return OAuthError(_OAUTHLIB_DEFAULTS[code], {"grant_type": grant_type})
    if code == "invalid_request" and description:
        return OAuthError("invalid_request", {"description": description.rstrip(".")})
    log.warning("Unexpected oauthlib error %r", code)
    return OAuthError("server_error")


# ---- pages (authorization endpoint) ---------------------------------------------------


def page_error_response(request: HttpRequest, error: OAuthError) -> HttpResponse:
    """Invalid authorization requests get a page, never a redirect."""
    status = 404 if REASONS[error.reason][2] == 404 else 400
    return render(
        request, "oauthapps/error.html", {"message": error.message, "status": status}, status=status
    )


# ---- the API (DRF) ----------------------------------------------------------------------


def api_exception_handler(exc: Exception, context: dict) -> HttpResponse | None:
    """DRF's EXCEPTION_HANDLER: every API error in the view's shape."""
    view = context.get("view")
    shape = getattr(view, "error_shape", Shape.API)
    if isinstance(exc, drf_exceptions.APIException) and not isinstance(exc, OAuthError):
        detail = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail)
        if isinstance(exc, drf_exceptions.Throttled) and getattr(exc, "wait", None):
            exc = OAuthError("rate_limited", {"retry_after": str(int(exc.wait))})
        else:
            exc = OAuthError(
                "api_refusal", {"description": str(detail)}, drf=(exc.status_code, exc.default_code)
            )
    if isinstance(exc, OAuthError):
        return error_response(exc, shape)
    return None
