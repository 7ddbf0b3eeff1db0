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
from plumbing import machine as plumbing_machine

log = logging.getLogger(__name__)

# reason: (RFC error code, sentence, RFC status, ContentDB status)
REASONS: dict[str, tuple[str, str, int, int]] = {
    # ---- token endpoint (ContentDB's own six messages first) ----
    "unsupported_grant_type": (
        "unsupported_grant_type",
        "Unsupported grant_type, only {grant_types} supported",
        400,
        400,
    ),
    "missing_client_id": ("invalid_client", "Missing client_id", 401, 400),
    "missing_client_secret": ("invalid_client", "Missing client_secret", 401, 400),
    "missing_code": ("invalid_request", "Missing code", 400, 400),
    "invalid_client": ("invalid_client", "client_id and/or client_secret is incorrect", 401, 400),
    "invalid_code": (
        "invalid_grant",
        "Incorrect code. It may have already been redeemed",
        400,
        400,
    ),
    "missing_grant_type": ("invalid_request", "Missing grant_type", 400, 400),
    "missing_refresh_token": ("invalid_request", "Missing refresh_token", 400, 400),
    "invalid_refresh_token": (
        "invalid_grant",
        "Incorrect refresh_token. It may have expired or been revoked",
        400,
        400,
    ),
    "missing_code_verifier": ("invalid_request", "Missing code_verifier", 400, 400),
    "invalid_code_verifier": ("invalid_grant", "Incorrect code_verifier", 400, 400),
    "unexpected_code_verifier": (
        "invalid_grant",
        "Unexpected code_verifier: the authorization request had no code_challenge",
        400,
        400,
    ),
    "redirect_uri_mismatch": (
        "invalid_grant",
        "redirect_uri does not match the authorization request",
        400,
        400,
    ),
    "unauthorized_client": (
        "unauthorized_client",
        "This application is not allowed to use the {grant_type} grant",
        400,
        400,
    ),
    "invalid_scope": (
        "invalid_scope",
        "Unsupported scope: {scope}. This application may request only: {allowed}",
        400,
        400,
    ),
    "scope_exceeds_grant": (
        "invalid_scope",
        "The requested scope exceeds the scope originally granted",
        400,
        400,
    ),
    "duplicate_parameter": ("invalid_request", "Duplicate {param} parameter", 400, 400),
    "invalid_parameter": ("invalid_request", "Invalid {param} parameter", 400, 400),
    "invalid_request": ("invalid_request", "{description}", 400, 400),
    "rate_limited": ("rate_limited", "Too many requests, try again later", 429, 429),
    "https_required": ("invalid_request", "https is required", 400, 400),
    "request_too_large": ("invalid_request", "The request body is too large", 413, 413),
    "unreadable_body": ("invalid_request", "The request body could not be parsed", 400, 400),
    "method_not_allowed": ("invalid_request", "Method not allowed: use POST", 405, 405),
    "server_error": ("server_error", "The server could not complete the request", 500, 500),
    "temporarily_unavailable": (
        "temporarily_unavailable",
        "The service is temporarily unavailable, try again shortly",
        503,
        503,
    ),
    # ---- authorization endpoint (shown on a page, never redirected) ----
    "unsupported_response_type": (
        "unsupported_response_type",
        "Unsupported response_type, only code is supported",
        400,
        400,
    ),
    "missing_redirect_uri": ("invalid_request", "Missing redirect_uri", 400, 400),
    "unknown_client": ("invalid_client", "Application not found", 404, 404),
    "redirect_uri_not_registered": (
        "invalid_request",
        "redirect_uri does not match client",
        400,
        400,
    ),
    "missing_code_challenge": (
        "invalid_request",
        "Missing code_challenge: this application must use PKCE with S256",
        400,
        400,
    ),
    "unsupported_code_challenge_method": (
        "invalid_request",
        "Unsupported code_challenge_method, only S256 is supported",
        400,
        400,
    ),
    "invalid_code_challenge": (
        "invalid_request",
        "Invalid code_challenge: expected 43 to 128 characters of A-Z, a-z, 0-9, -._~",
        400,
        400,
    ),
    # ---- API (RFC 6750) ----
    "missing_token": ("invalid_request", "Missing API token", 401, 403),
    "unknown_token": ("invalid_token", "Unknown API token", 401, 403),
    "unsupported_authentication": (
        "invalid_request",
        "Unsupported authentication method",
        401,
        403,
    ),
    "insufficient_scope": (
        "insufficient_scope",
        "This token does not have the {scope} scope",
        403,
        403,
    ),
    "token_in_url": (
        "invalid_request",
        "Send the access token in the Authorization header, not in the URL",
        400,
        400,
    ),
    # ---- Mastodon app registration ----
    "registration_disabled": ("not_found", "App registration is disabled", 404, 404),
    # Any other refusal DRF makes (unsupported media type, unparseable JSON, 405): its own
    # code and status, carried on the error (OAuthError.drf).
    "api_refusal": ("invalid_request", "{description}", 400, 400),
}


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
