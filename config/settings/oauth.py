"""OAuth: the scope catalogue, lifetimes, Gatehouse's own settings (OAUTHAPPS, defaults
in oauthapps/conf.py), django-oauth-toolkit's, and the issuer."""

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from config.settings.env import env

# The site's scope catalogue: each scope with the sentence the consent page shows
# (django-oauth-toolkit's SCOPES below; oauthapps reads it from there).
_SCOPES = {
    "public": "Read your public profile (username and display name)",
    "email": "Read your email address",
    # OpenID Connect: ID tokens and /oauth/userinfo/ (see "OpenID Connect" below).
    "openid": "Sign you in with your account",
}

# Gatehouse's own OAuth settings (defaults and documentation in oauthapps/conf.py).
OAUTHAPPS = {
    "DIALECT": env.str("OAUTH_DIALECT", default="contentdb"),
    # A refresh token rotated out less than this long ago is refused without revoking its
    # family: that is a client's own concurrent refreshes racing, not reuse by a thief.
    "REFRESH_TOKEN_REUSE_GRACE_SECONDS": env.int("REFRESH_TOKEN_REUSE_GRACE_SECONDS", default=0),
}
if env.str("REFRESH_TOKEN_GRACE_PERIOD_SECONDS", default=""):
    # The old name, which is also a django-oauth-toolkit setting with another meaning.
    raise ImproperlyConfigured(
        "REFRESH_TOKEN_GRACE_PERIOD_SECONDS is now REFRESH_TOKEN_REUSE_GRACE_SECONDS."
    )

# django-oauth-toolkit provides the grant machinery; oauthapps plugs into it here.
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauthapps.Application"
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "oauthapps.AccessToken"
OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL = "oauthapps.RefreshToken"
OAUTH2_PROVIDER_GRANT_MODEL = "oauthapps.Grant"
OAUTH2_PROVIDER_ID_TOKEN_MODEL = "oauthapps.IDToken"

OAUTH2_PROVIDER = {
    "OAUTH2_SERVER_CLASS": "oauthapps.protocol.server.Server",
    "OAUTH2_VALIDATOR_CLASS": "oauthapps.protocol.validators.Validator",
    "OAUTH2_BACKEND_CLASS": "oauthapps.protocol.backends.OAuthLibCore",
    "SCOPES_BACKEND_CLASS": "oauthapps.protocol.scopes.ApplicationScopes",
    "CLIENT_ID_GENERATOR_CLASS": "oauthapps.protocol.generators.ClientIdGenerator",
    "CLIENT_SECRET_GENERATOR_CLASS": "oauthapps.protocol.generators.ClientSecretGenerator",
    "CLIENT_SECRET_HASHER": "gatehouse_secret_sha256",
    "ACCESS_TOKEN_GENERATOR": "oauthapps.protocol.generators.generate_token",
    "REFRESH_TOKEN_GENERATOR": "oauthapps.protocol.generators.generate_token",
    "SCOPES": _SCOPES,
    # The scope a request that names none gets.
    "DEFAULT_SCOPES": ["public"],
    # Token lifetimes: read through DOT's oauth2_settings everywhere.
    "ACCESS_TOKEN_EXPIRE_SECONDS": env.int("ACCESS_TOKEN_EXPIRE_SECONDS", default=3600),
    "REFRESH_TOKEN_EXPIRE_SECONDS": env.int("REFRESH_TOKEN_EXPIRE_SECONDS", default=604800),
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 600,
    "PKCE_REQUIRED": "oauthapps.protocol.validators.pkce_required",
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "REQUEST_APPROVAL_PROMPT": "force",
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": False,
    # RFC 9207 `iss` in authorization responses (sent by oauthapps.protocol.backends.authorize).
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    # DOT's own redirect-URI scheme list, which Gatehouse does not consult: the rules
    # live in oauthapps/protocol/redirect_uris.py (https; http for loopback only, RFC 8252;
    # private-use schemes). https-only here keeps DOT's RFC 9700 deploy check (W008) quiet.
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
}

# The issuer identifier: `issuer` in the metadata, RFC 9207's `iss` in authorization
# responses, `iss` in ID tokens. Without OAUTH_ISSUER it is derived from each request's
# scheme and host, so where several host names serve the site a client can be shown
# another issuer; OAUTH_ISSUER fixes it (DOT's OIDC_ISS_ENDPOINT, which every one of
# them reads). An https URL with a host, no query or fragment; a trailing "/" is dropped.
OAUTH_ISSUER = env.str("OAUTH_ISSUER", default="").rstrip("/")


def _is_issuer_url(value: str) -> bool:
    try:
        url = urlsplit(value)
        url.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return False
    return (
        url.scheme == "https"
        and bool(url.hostname)
        and url.username is None
        and not any(c in value for c in "?#")
        and not any(c.isspace() for c in value)
    )


if OAUTH_ISSUER:
    if not _is_issuer_url(OAUTH_ISSUER):
        raise ImproperlyConfigured(
            "OAUTH_ISSUER must be an https URL with a host and no query or fragment, "
            "such as https://auth.example.org."
        )
    OAUTH2_PROVIDER["OIDC_ISS_ENDPOINT"] = OAUTH_ISSUER

# Values that would otherwise fail only on the first request that reads them stop every
# command (and gunicorn, before it listens) with one line.
from oauthapps.conf import DIALECTS as _DIALECTS  # noqa: E402

if OAUTHAPPS["DIALECT"] not in _DIALECTS:
    raise ImproperlyConfigured(f"OAUTH_DIALECT must be one of {', '.join(_DIALECTS)}.")
for _name in ("ACCESS_TOKEN_EXPIRE_SECONDS", "REFRESH_TOKEN_EXPIRE_SECONDS"):
    if OAUTH2_PROVIDER[_name] <= 0:
        raise ImproperlyConfigured(f"{_name} must be a positive number of seconds.")
