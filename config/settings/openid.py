"""OpenID Connect: the ID token signing key and DOT's OpenID settings."""

from django.core.exceptions import ImproperlyConfigured

from config import signing_key
from config.settings.env import DEBUG
from config.settings.oauth import OAUTH2_PROVIDER

# The `openid` scope gets a signed ID token (RS256) with the code exchange, and the
# token works at /oauth/userinfo/; discovery is /.well-known/openid-configuration, the
# public key /.well-known/jwks.json. The RSA private key (PEM) comes from
# OIDC_RSA_PRIVATE_KEY, or from the file OIDC_RSA_PRIVATE_KEY_FILE names; with
# DJANGO_DEBUG=1 and neither set, one is generated into the git-ignored
# .dev-oidc-key.pem (config/signing_key.py). Outside debug without a key, offline commands
# still run, while a serving process refuses to start (config/wsgi.py, config/asgi.py).

OIDC_RSA_PRIVATE_KEY = signing_key.private_key(debug=DEBUG)


def require_oidc_key() -> None:
    """Fail fast, before serving a request, without a usable ID token signing key."""
    problem = signing_key.problem(OIDC_RSA_PRIVATE_KEY)
    if problem:
        raise ImproperlyConfigured(problem)


OAUTH2_PROVIDER.update(
    {
        "OIDC_ENABLED": True,
        # With OIDC_ENABLED, DOT builds OIDC_SERVER_CLASS and ignores OAUTH2_SERVER_CLASS.
        "OIDC_SERVER_CLASS": "oauthapps.protocol.server.Server",
        "OIDC_RSA_PRIVATE_KEY": OIDC_RSA_PRIVATE_KEY,
        # An ID token says who signed in, when: it lives as long as an access token.
        "ID_TOKEN_EXPIRE_SECONDS": OAUTH2_PROVIDER["ACCESS_TOKEN_EXPIRE_SECONDS"],
        "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
    }
)
