"""oauthapps settings: one dict, `settings.OAUTHAPPS`, over these defaults.

Read through `app_settings.NAME`; values are looked up on every access so
`override_settings(OAUTHAPPS=...)` works in tests.

Facts django-oauth-toolkit already holds are read from its settings, never repeated:
`app_settings.SCOPES` (the catalogue: name -> the sentence the consent page shows) is
OAUTH2_PROVIDER["SCOPES"], and `app_settings.DEFAULT_SCOPE` (used when a request names
none) is the first of OAUTH2_PROVIDER["DEFAULT_SCOPES"]; token lifetimes are DOT's
ACCESS_TOKEN_EXPIRE_SECONDS and REFRESH_TOKEN_EXPIRE_SECONDS (`oauth2_settings`).
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEFAULTS: dict[str, Any] = {
    # "contentdb" (ContentDB's bodies and cancel redirect) or "rfc6749".
    "DIALECT": "contentdb",
    # Grant types the token endpoint accepts, in the order error messages list them.
    "GRANT_TYPES": ["authorization_code", "refresh_token", "client_credentials"],
    # Whether applications created on the settings pages start approved.
    "APPROVE_NEW_APPLICATIONS": True,
    # Mastodon-style app registration at POST /api/v1/apps, and its limit per IP.
    "APP_REGISTRATION_ENABLED": True,
    "APP_REGISTRATION_RATE": "10/h",
    # A refresh token rotated out less than this many seconds ago is refused without
    # revoking its family (a client's own racing refreshes); later reuse revokes it.
    # (Not DOT's REFRESH_TOKEN_GRACE_PERIOD_SECONDS, which lets the old token work.)
    "REFRESH_TOKEN_REUSE_GRACE_SECONDS": 0,
    # Audit entries older than this many days are removed by `manage.py cleanup`
    # (None: kept forever).
    "AUDIT_RETENTION_DAYS": 365,
    # Rate limits (django-ratelimit rates: "N/s", "N/m", "N/15m", "N/h", "N/d"; None = off).
    # Counted in the default cache: Redis when REDIS_URL is set, shared by all processes.
    "RATE_LIMITS": {
        # Failed client authentications (token, revoke, introspect), per (client_id, IP)
        # and per IP. Successful ones are never counted (oauthapps/ratelimits.py).
        "client_auth_failures_per_client_and_ip": "10/m",
        "client_auth_failures_per_ip": "30/m",
        # Sign-in attempts per IP; failed sign-ins per IP and per (username, IP): over
        # these, that address waits (429). Usernames are counted as Django reads them
        # (stripped, NFKC, case-folded). Failed sign-ins per username from every address:
        # over it, each attempt at that username is delayed about a second, never refused
        # (so failures from elsewhere cannot lock the owner out).
        "login_per_ip": "30/m",
        "login_failures_per_ip": "30/15m",
        "login_failures_per_username_ip": "10/15m",
        "login_failures_per_username": "10/15m",
        # Accounts created per IP.
        "signup_per_ip": "5/h",
    },
}

DIALECTS = ("contentdb", "rfc6749")


class AppSettings:
    # Imported when read: settings modules import this one (DIALECTS) before Django's
    # settings are ready, and DOT's settings module reads them on import.
    @property
    def SCOPES(self) -> dict[str, str]:  # noqa: N802 - a setting's name
        from oauth2_provider.settings import oauth2_settings

        return oauth2_settings.SCOPES

    @property
    def DEFAULT_SCOPE(self) -> str:  # noqa: N802
        from oauth2_provider.settings import oauth2_settings

        return oauth2_settings.DEFAULT_SCOPES[0]

    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(f"Unknown oauthapps setting: {name}")
        value = getattr(settings, "OAUTHAPPS", {}).get(name, DEFAULTS[name])
        if name == "RATE_LIMITS":  # a partial dict overrides only the limits it names
            value = {**DEFAULTS["RATE_LIMITS"], **value}
        if name == "DIALECT" and value not in DIALECTS:
            raise ImproperlyConfigured(f"OAUTH_DIALECT must be one of {', '.join(DIALECTS)}")
        return value


app_settings = AppSettings()
