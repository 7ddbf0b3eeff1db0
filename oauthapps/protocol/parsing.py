"""Reading OAuth requests: every parameter and every client credential, parsed once.

The token endpoint parses a request once into a `TokenRequest`, which the view, the rate
limits and the validator (through the oauthlib request) share; revocation and
introspection read their client credentials with `client_credentials`. Checks here need
no database: what a request *says*, in ContentDB's order and with its messages.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from urllib.parse import unquote_plus

from django.http import HttpRequest, QueryDict

from oauthapps.conf import app_settings
from oauthapps.errors import OAuthError, unsupported_grant_type
from oauthapps.protocol import scopes as scope_utils

MAX_PARAM_LENGTH = 4096

TOKEN_PARAMS = (
    "grant_type",
    "client_id",
    "client_secret",
    "code",
    "redirect_uri",
    "code_verifier",
    "refresh_token",
    "scope",
)


def single(query: QueryDict, name: str) -> str | None:
    """One value of a parameter: repeated, NUL bytes or oversized are refused."""
    values = query.getlist(name)
    if not values:
        return None
    if len(values) > 1:
        raise OAuthError("duplicate_parameter", {"param": name})
    value = values[0]
    if "\x00" in value or len(value) > MAX_PARAM_LENGTH:
        raise OAuthError("invalid_parameter", {"param": name})
    return value


def basic_credentials(request: HttpRequest) -> tuple[str, str] | None:
    """(client_id, client_secret) from an HTTP Basic header (RFC 6749 §2.3.1), or None."""
    scheme, _, value = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        return None
    client_id, secret = unquote_plus(client_id), unquote_plus(secret)
    if any("\x00" in v or len(v) > MAX_PARAM_LENGTH for v in (client_id, secret)):
        return None
    return client_id, secret


@dataclass(frozen=True)
class ClientCredentials:
    """What a request presents to identify its client, unverified."""

    client_id: str | None
    secret: str | None  # None: no secret at all (a public client, or a missing one)
    method: str  # "client_secret_basic", "client_secret_post" or "none"


def client_credentials(request: HttpRequest) -> ClientCredentials:
    """The client credentials of a form request (HTTP Basic, or the body).

    One method per request (RFC 6749 §2.3): HTTP Basic together with a `client_secret`
    in the body, or naming another client than the body's `client_id`, is invalid_client.
    Raises OAuthError for repeated, NUL-bearing or oversized parameters.
    """
    body_id = single(request.POST, "client_id")
    body_secret = single(request.POST, "client_secret")
    basic = basic_credentials(request)
    if basic is not None:
        if body_secret is not None or (body_id is not None and body_id != basic[0]):
            raise OAuthError("invalid_client")
        return ClientCredentials(basic[0], basic[1], "client_secret_basic")
    if body_secret:
        return ClientCredentials(body_id, body_secret, "client_secret_post")
    return ClientCredentials(body_id, None, "none")


@dataclass
class TokenRequest:
    """A token request, parsed once: oauthlib's parameters and the client's credentials."""

    params: dict[str, str]
    grant_type: str
    credentials: ClientCredentials
    # Set by the view once known: the application named by client_id (or None).
    client: object = field(default=None)

    @property
    def client_id(self) -> str | None:
        return self.credentials.client_id


def parse_token_request(request: HttpRequest) -> TokenRequest:
    """The token request's parameters, checked in ContentDB's order (no database).

    Raises OAuthError with ContentDB's messages. What needs the application (is a
    missing secret allowed?) is the view's next step.
    """
    params: dict[str, str] = {}
    for name in TOKEN_PARAMS:
        value = single(request.POST, name)
        if value is not None:
            params[name] = value
    if "grant_type" not in params:
        # ContentDB read grant_type from the query string too.
        query_grant_type = single(request.GET, "grant_type")
        if query_grant_type is not None:
            params["grant_type"] = query_grant_type

    grant_type = params.get("grant_type")
    if not grant_type:
        if app_settings.DIALECT != "contentdb":
            raise OAuthError("missing_grant_type")
        grant_type = params["grant_type"] = "authorization_code"
    if grant_type not in app_settings.GRANT_TYPES:
        raise unsupported_grant_type()

    credentials = client_credentials(request)
    if not credentials.client_id:
        raise OAuthError("missing_client_id")
    params["client_id"] = credentials.client_id
    params.pop("client_secret", None)  # carried by `credentials`, never by oauthlib
    if "scope" in params:
        params["scope"] = " ".join(scope_utils.parse_scope(params["scope"]))
    return TokenRequest(params=params, grant_type=grant_type, credentials=credentials)


def require_grant_parameters(token_request: TokenRequest) -> None:
    """The grant's own required parameter (after the client's secret was found present)."""
    params, grant_type = token_request.params, token_request.grant_type
    if grant_type == "authorization_code" and not params.get("code"):
        raise OAuthError("missing_code")
    if grant_type == "refresh_token" and not params.get("refresh_token"):
        raise OAuthError("missing_refresh_token")
