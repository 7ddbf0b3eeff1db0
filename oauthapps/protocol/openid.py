"""OpenID Connect: the signing key, the issuer as oauthlib sees it, and the claims.

Every ID token is signed RS256 with the server's key (OIDC_RSA_PRIVATE_KEY, see
config/signing_key.py), whatever DOT's `Application.algorithm` field says: HS256 would sign
with the client secret, which Gatehouse stores only hashed, and DOT's "" means "no
OpenID Connect", which in Gatehouse is what the application's allowed scopes decide
(an application may ask for `openid` when its allowed scopes include it).
"""

from __future__ import annotations

import json

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from jwcrypto import jwt
from oauth2_provider.settings import oauth2_settings
from oauth2_provider.utils import jwk_from_pem

from oauthapps.protocol import backends

ALGORITHM = "RS256"

# The claims about the person, each with the scope that releases it, in the ID token and
# at the userinfo endpoint. `public` is Gatehouse's profile scope (username and display
# name, as /api/whoami/ shows them).
CLAIM_SCOPES = {
    "sub": "openid",
    "preferred_username": "public",
    "name": "public",
    "email": "email",
}

# Everything an ID token or a userinfo response may hold (discovery: claims_supported).
CLAIMS_SUPPORTED = [
    "iss",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "at_hash",
    "jti",
    *CLAIM_SCOPES,
]


def person_claims(user) -> dict:
    """Every claim about `user`, before the token's scopes select some (see CLAIM_SCOPES)."""
    return {
        "sub": str(user.pk),
        "preferred_username": user.get_username(),
        "name": user.get_display_name(),
        "email": user.email,
    }


def signing_key():
    """The server's RSA key as a JWK (parsed once per process)."""
    pem = oauth2_settings.OIDC_RSA_PRIVATE_KEY
    if not pem:
        raise ImproperlyConfigured(
            "OIDC_RSA_PRIVATE_KEY or OIDC_RSA_PRIVATE_KEY_FILE is required to sign ID tokens."
        )
    return jwk_from_pem(pem)


def sign(claims: dict) -> str:
    """A compact JWS of `claims`: RS256, with the key's thumbprint as `kid` (as in the JWKS)."""
    key = signing_key()
    header = {"typ": "JWT", "alg": ALGORITHM, "kid": key.thumbprint()}
    token = jwt.JWT(
        header=json.dumps(header, separators=(",", ":")),
        claims=json.dumps(claims, separators=(",", ":"), default=str),
    )
    token.make_signed_token(key)
    return token.serialize()


class _RebuiltRequest(HttpRequest):
    """A Django request rebuilt from the headers of an oauthlib request (DOT does the same):
    the host from the original request's environ, and https exactly when the original
    request was secure (DOT's backend marks it so, after any proxy header was judged)."""

    def __init__(self, headers) -> None:
        super().__init__()
        self.META = headers

    @property
    def scheme(self) -> str:
        return "https" if self.META.get("X_DJANGO_OAUTH_TOOLKIT_SECURE") else "http"


def issuer(request) -> str:
    """The issuer (`iss`) for a Django or an oauthlib request: the metadata's `issuer`."""
    if not isinstance(request, HttpRequest):
        # The token endpoint keeps the Django request on the oauthlib one (backends.py).
        original = getattr(request, "gatehouse_django_request", None)
        request = original if original is not None else _RebuiltRequest(request.headers)
    return backends.issuer(request)
