"""The authorization request (GET /oauth/authorize/): read and checked before any page.

Checked in ContentDB's order and with its messages; every failure is an OAuthError the
authorization view shows on a page (never a redirect: the redirect URI is not yet
trusted). What passes is an `AuthorizationRequest` with exactly the parameters oauthlib
will see.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from oauth2_provider.models import get_application_model

from oauthapps import selectors
from oauthapps.conf import app_settings
from oauthapps.errors import OAuthError, invalid_scope
from oauthapps.protocol import scopes as scope_utils
from oauthapps.protocol.parsing import single
from oauthapps.protocol.redirect_uris import OOB_URI

Application = get_application_model()

_CODE_CHALLENGE = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
_MAX_NONCE_LENGTH = 255  # Grant.nonce


@dataclass
class AuthorizationRequest:
    application: Application
    redirect_uri: str
    scopes: list[str]
    state: str | None
    params: dict[str, str]

    @property
    def is_oob(self) -> bool:
        return self.redirect_uri == OOB_URI


def check_authorization_request(query, user) -> AuthorizationRequest:
    """Validate an authorization request in ContentDB's order, with its messages.

    Raises OAuthError; the caller shows it on a page and never redirects.
    """
    response_type = single(query, "response_type") or "code"
    if response_type != "code":
        raise OAuthError("unsupported_response_type")

    client_id = single(query, "client_id")
    if not client_id:
        raise OAuthError("missing_client_id")
    redirect_uri = single(query, "redirect_uri")
    if not redirect_uri:
        raise OAuthError("missing_redirect_uri")

    application = selectors.application_for_authorization(client_id)
    if application is None or not application.is_visible_to(user):
        raise OAuthError("unknown_client")
    if not application.allows_grant_type(Application.GRANT_AUTHORIZATION_CODE):
        raise OAuthError("unauthorized_client", {"grant_type": "authorization_code"})
    if not application.redirect_uri_allowed(redirect_uri):
        raise OAuthError("redirect_uri_not_registered")

    raw_scope = single(query, "scope")
    requested = scope_utils.parse_scope(raw_scope) or [app_settings.DEFAULT_SCOPE]
    allowed = application.scope_list
    if not set(requested) <= set(allowed):
        raise invalid_scope(" ".join(s for s in requested if s not in allowed), allowed)

    challenge = single(query, "code_challenge")
    method = single(query, "code_challenge_method")
    if challenge is None and method is None:
        if application.is_public:
            raise OAuthError("missing_code_challenge")
    else:
        if method != "S256":
            raise OAuthError("unsupported_code_challenge_method")
        if not challenge or not _CODE_CHALLENGE.match(challenge):
            raise OAuthError("invalid_code_challenge")

    state = single(query, "state")
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": " ".join(requested),
    }
    if state is not None:
        params["state"] = state
    if challenge is not None:
        params["code_challenge"] = challenge
        params["code_challenge_method"] = method
    # OpenID Connect's nonce, carried through the code into the ID token verbatim (a plain
    # OAuth request's nonce means nothing and is ignored, as unknown parameters are).
    nonce = single(query, "nonce") if "openid" in requested else None
    if nonce is not None:
        if len(nonce) > _MAX_NONCE_LENGTH:
            raise OAuthError("invalid_parameter", {"param": "nonce"})
        params["nonce"] = nonce
    return AuthorizationRequest(
        application=application,
        redirect_uri=redirect_uri,
        scopes=requested,
        state=state,
        params=params,
    )
