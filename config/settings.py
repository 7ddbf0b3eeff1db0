"""Gatehouse settings.

Every value that differs between a laptop and production comes from an environment
variable (see the README's "Configuration" table). Development needs none of them:
with DJANGO_DEBUG=1 the site runs on SQLite with a generated, git-ignored secret key.
Anything required outside development fails fast with ImproperlyConfigured.
"""

import secrets
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


class _Env(environ.Env):
    """django-environ, with every unreadable value reported as ImproperlyConfigured naming
    its variable (config/startup.py prints it as one line)."""

    def get_value(self, var, cast=None, default=environ.Env.NOTSET, parse_default=False):
        try:
            return super().get_value(var, cast=cast, default=default, parse_default=parse_default)
        except ImproperlyConfigured:
            raise
        except (ValueError, TypeError, KeyError) as exc:
            raise ImproperlyConfigured(f"{var} is not valid: {exc}") from None


env = _Env()


def _database_url(var: str, default: str) -> dict:
    """DATABASE_URL parsed, or ImproperlyConfigured naming it (a bad scheme or port)."""
    url = env.str(var, default=default)
    try:
        config = env.db_url_config(url)
    except (ValueError, KeyError, ImproperlyConfigured) as exc:
        raise ImproperlyConfigured(f"{var} is not a database URL: {exc}") from None
    if config.get("ENGINE") not in (
        "django.db.backends.postgresql",
        "django.db.backends.sqlite3",
    ):
        scheme = url.partition(":")[0]
        raise ImproperlyConfigured(
            f"{var}: {scheme!r} is not supported; use postgres://user@host:5432/name "
            "or sqlite:///path"
        )
    return config


DEBUG = env.bool("DJANGO_DEBUG", default=False)


def _development_secret_key() -> str:
    """A per-checkout key for development, kept in a git-ignored file."""
    path = BASE_DIR / ".dev-secret-key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = _development_secret_key()
# Outside debug without DJANGO_SECRET_KEY the key stays empty: offline commands
# (makemigrations, migrate, check) still run, while a serving process refuses to start
# (config/wsgi.py, config/asgi.py) and anything that signs raises ImproperlyConfigured.


def require_secret_key() -> None:
    """Fail fast, before serving a request, when no secret key is configured."""
    if not SECRET_KEY:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off.")


ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)

INSTALLED_APPS = [
    "plumbing",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    # Before oauth2_provider: answers DOT's createapplication and cleartokens.
    "oauthapps.operator_commands",
    "oauth2_provider",
    "accounts",
    "oauthapps",
    "api",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]

# Two stacks (plumbing/machine.py): the dispatcher sends requests for machine endpoints
# (token, revocation, introspection, whoami, delete-token, app registration, userinfo,
# metadata, JWKS) through MACHINE_MIDDLEWARE, every other request through the rest of
# MIDDLEWARE (sessions, CSRF, the signed-in person, messages, CSP, static files).
MIDDLEWARE = [
    "plumbing.machine.MachineEndpointDispatcher",
    # Everything after it sees the client's address (opt-in: TRUSTED_PROXIES).
    "plumbing.proxy.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "oauthapps.csp.ContentSecurityPolicyMiddleware",
    # Outside everything that may touch the database (sessions, auth, messages).
    "plumbing.outage.DatabaseOutageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# A Content-Type naming a codec that is not a text encoding: 400 in the endpoint's shape
# (plumbing/charset.py wraps the WSGI application).
CHARSET_GUARD_REFUSAL = "oauthapps.middleware.unreadable_charset_refusal"
# A database outage: 503 in the endpoint's shape, the plain 503 page for pages
# (plumbing/outage.py).
DATABASE_OUTAGE_ANSWER = "oauthapps.middleware.outage_answer"

MACHINE_MIDDLEWARE = [
    "plumbing.proxy.TrustedProxyMiddleware",
    # HSTS, nosniff, Referrer-Policy, COOP; plain http is refused, never redirected.
    "plumbing.machine.SecurityHeadersMiddleware",
    # 400 for plain http where https is required; 503 in the endpoint's shape while the
    # database is unreachable.
    "oauthapps.middleware.MachineEndpointGuard",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": _database_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A persistent connection used less than this long ago is reused without the health
# check's SELECT 1 (plumbing/db.py).
DATABASE_HEALTH_CHECK_IDLE_SECONDS = 1.0

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL and REDIS_URL.partition("://")[0] not in ("redis", "rediss", "unix"):
    raise ImproperlyConfigured(
        "REDIS_URL must be redis://host:6379/0 (or rediss://, unix://), "
        f"not {REDIS_URL.partition('://')[0]!r}."
    )
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "oauthapps:app_list"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# People's passwords use Django's default (PBKDF2). Client secrets are long random
# machine-generated strings and use the fast salted SHA-256 hasher listed second
# (see oauthapps/protocol/hashers.py and the README's security section).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "oauthapps.protocol.hashers.ClientSecretHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# `manage.py collectstatic` fills it; WhiteNoise serves it (hashed names, gzip, far-future
# caching). Development serves from the app folders and needs no collectstatic.
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Security headers. Production hardening (HSTS, secure cookies, SSL redirect) follows
# DJANGO_DEBUG being off unless explicitly overridden (README: "Security headers &
# deployment settings"). Django's `check --deploy` security checks pass with the defaults.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# same-origin, not no-referrer: nothing (no state, no code) leaves for another origin,
# while same-origin form posts keep a real Origin header. Under no-referrer browsers
# send `Origin: null` with a POST and Django's CSRF check refuses the consent form.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# HTTPS. Off under DJANGO_DEBUG (runserver speaks plain http); on in production.
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
# The `preload` token only matters once the registrable domain is submitted to
# hstspreload.org; turn it off when serving on an apex domain whose subdomains are
# not all HTTPS.
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto (and strips it from
# clients): without this, the SSL redirect loops and issuer URLs say http://.
if env.bool("DJANGO_SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp). No page loads anything from another origin and
# no template has inline script or style. The consent page (and a login page on its way
# there) also allows its form to lead to the client's redirect URI: browsers check
# form-action on the redirects that follow a form submission (oauthapps/csp.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    },
}

# ---- OAuth ---------------------------------------------------------------------------

ACCESS_TOKEN_EXPIRE_SECONDS = env.int("ACCESS_TOKEN_EXPIRE_SECONDS", default=3600)
REFRESH_TOKEN_EXPIRE_SECONDS = env.int("REFRESH_TOKEN_EXPIRE_SECONDS", default=604800)

# The site's scope catalogue: each scope with the sentence the consent page shows.
OAUTH_SCOPES = {
    "public": "Read your public profile (username and display name)",
    "email": "Read your email address",
    # OpenID Connect: ID tokens and /oauth/userinfo/ (see "OpenID Connect" below).
    "openid": "Sign you in with your account",
}

# Gatehouse's own OAuth settings (defaults and documentation in oauthapps/conf.py).
OAUTHAPPS = {
    "DIALECT": env.str("OAUTH_DIALECT", default="contentdb"),
    "SCOPES": OAUTH_SCOPES,
    "DEFAULT_SCOPE": "public",
    # A refresh token rotated out less than this long ago is refused without revoking its
    # family: that is a client's own concurrent refreshes racing, not reuse by a thief.
    "REFRESH_TOKEN_GRACE_SECONDS": env.int("REFRESH_TOKEN_GRACE_PERIOD_SECONDS", default=0),
}

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
    "SCOPES": OAUTH_SCOPES,
    "DEFAULT_SCOPES": ["public"],
    "ACCESS_TOKEN_EXPIRE_SECONDS": ACCESS_TOKEN_EXPIRE_SECONDS,
    "REFRESH_TOKEN_EXPIRE_SECONDS": REFRESH_TOKEN_EXPIRE_SECONDS,
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

# ---- OpenID Connect ------------------------------------------------------------------
# The `openid` scope gets a signed ID token (RS256) with the code exchange, and the
# token works at /oauth/userinfo/; discovery is /.well-known/openid-configuration, the
# public key /.well-known/jwks.json. The RSA private key (PEM) comes from
# OIDC_RSA_PRIVATE_KEY, or from the file OIDC_RSA_PRIVATE_KEY_FILE names; with
# DJANGO_DEBUG=1 and neither set, one is generated into the git-ignored
# .dev-oidc-key.pem (config/oidc.py). Outside debug without a key, offline commands
# still run, while a serving process refuses to start (config/wsgi.py, config/asgi.py).
from config import oidc as _oidc  # noqa: E402

OIDC_RSA_PRIVATE_KEY = _oidc.private_key(debug=DEBUG)


def require_oidc_key() -> None:
    """Fail fast, before serving a request, without a usable ID token signing key."""
    problem = _oidc.problem(OIDC_RSA_PRIVATE_KEY)
    if problem:
        raise ImproperlyConfigured(problem)


OAUTH2_PROVIDER.update(
    {
        "OIDC_ENABLED": True,
        # With OIDC_ENABLED, DOT builds OIDC_SERVER_CLASS and ignores OAUTH2_SERVER_CLASS.
        "OIDC_SERVER_CLASS": "oauthapps.protocol.server.Server",
        "OIDC_RSA_PRIVATE_KEY": OIDC_RSA_PRIVATE_KEY,
        # An ID token says who signed in, when: it lives as long as an access token.
        "ID_TOKEN_EXPIRE_SECONDS": ACCESS_TOKEN_EXPIRE_SECONDS,
        "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
    }
)
# ---- end of OpenID Connect ---------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["oauthapps.protocol.bearer.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": [],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "oauthapps.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": None,
}

# One line per event on stderr (plumbing/logformat.py): text, or JSON with LOG_FORMAT=json.
# Nothing logs a body, a header or a query string: Django's request logger names the
# path only, and gunicorn's access log (config/gunicorn.py) the path without its query.
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured("LOG_FORMAT must be text or json.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"()": "plumbing.logformat.LineFormatter"},
        "json": {"()": "plumbing.logformat.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Through the root handler only: no second line from Django's default handler,
        # and no error e-mails to ADMINS (their reports include request bodies).
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # SQL with its parameters, at DEBUG under DJANGO_DEBUG: never, whatever LOG_LEVEL.
        "django.db.backends": {"level": "INFO"},
        # oauthlib logs request bodies (secrets, codes) at DEBUG; never let it.
        "oauthlib": {"level": "WARNING"},
        "oauth2_provider": {"level": "WARNING"},
    },
}

# ---- Email -------------------------------------------------------------------------------
# EMAIL_URL in django-environ's form: smtp+tls://user:password@smtp.example.org:587,
# smtp+ssl://…:465, consolemail:// (development default), dummymail://. Percent-encode
# special characters in the password.
_email = env.email_url("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email["EMAIL_HOST"] or "localhost"
EMAIL_PORT = _email["EMAIL_PORT"] or 25
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"] or ""
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"] or ""
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="webmaster@localhost")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
# Seconds: a stuck SMTP server must not hold a worker.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)

# ---- Deployment ----------------------------------------------------------------------------
# (README "Deploy"; config/gunicorn.py, plumbing/health.py, plumbing/proxy.py)
import ipaddress  # noqa: E402

# Values that would otherwise fail only on the first request that reads them stop every
# command (and gunicorn, before it listens) with one line.
from oauthapps.conf import DIALECTS as _DIALECTS  # noqa: E402

if OAUTHAPPS["DIALECT"] not in _DIALECTS:
    raise ImproperlyConfigured(f"OAUTH_DIALECT must be one of {', '.join(_DIALECTS)}.")
for _name in ("ACCESS_TOKEN_EXPIRE_SECONDS", "REFRESH_TOKEN_EXPIRE_SECONDS"):
    if globals()[_name] <= 0:
        raise ImproperlyConfigured(f"{_name} must be a positive number of seconds.")

# A load balancer probes /healthz over plain http on the instance's own port.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Reverse proxies (IP addresses or networks) whose X-Forwarded-For names the client:
# rate limits and the audit log then see the client's address instead of the proxy's.
# Empty (the default): REMOTE_ADDR is the client, X-Forwarded-For is ignored.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXIES: {_proxy!r} is not an IP address or network."
        ) from None

# Fail a request (and /healthz) within seconds when Redis or PostgreSQL does not answer,
# rather than holding a worker until gunicorn's timeout kills it.
if REDIS_URL:
    CACHES["default"]["OPTIONS"] = {
        "socket_connect_timeout": env.float("REDIS_TIMEOUT_SECONDS", default=5),
        "socket_timeout": env.float("REDIS_TIMEOUT_SECONDS", default=5),
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers take the lock when their transaction begins, and wait for it (up to 20 s):
    # with Django's default deferred transactions a read-then-write transaction fails
    # at once with "database is locked" while another process writes (docs/performance.md).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("transaction_mode", "IMMEDIATE")
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
    # Write-ahead logging: readers never wait for a writer, and a commit appends to the
    # log instead of rewriting the database file, so writers hold the lock for far less
    # time (SQLite's recommended mode for concurrent access; kept in the file itself).
    DATABASES["default"]["OPTIONS"].setdefault("init_command", "PRAGMA journal_mode=WAL;")
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
    # Parameters travel apart from the SQL text, and each connection prepares the
    # statements it repeats (psycopg, after DATABASE_PREPARE_THRESHOLD runs), so
    # PostgreSQL plans the hot paths' queries once per connection instead of on every
    # request (docs/performance.md). 0 turns prepared statements off: needed behind a
    # PgBouncer older than 1.21 in transaction pooling mode.
    _prepare = env.int("DATABASE_PREPARE_THRESHOLD", default=5)
    if _prepare > 0:
        DATABASES["default"]["OPTIONS"].setdefault("server_side_binding", True)
        DATABASES["default"]["OPTIONS"].setdefault("prepare_threshold", _prepare)
# ---- end Deployment ------------------------------------------------------------------------

# ---- OpenAPI ---------------------------------------------------------------------------
# drf-spectacular describes the JSON endpoints at /api/schema/ (the DRF views from their
# decorators, the OAuth endpoints from api/schema.py's hook); /api/docs/ shows them with
# Swagger UI served from our own static files (drf-spectacular-sidecar), with no inline
# script or style, under the site's CSP (api/docs.py).
REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"] = "drf_spectacular.openapi.AutoSchema"
SPECTACULAR_SETTINGS = {
    "TITLE": "Gatehouse API",
    "DESCRIPTION": (
        "Gatehouse is an OAuth2 authorization server that speaks the ContentDB, miwa.lol "
        "and Mastodon dialects. Error bodies follow `OAUTH_DIALECT`: `contentdb` (default) "
        'answers `{"success": false, "error": "<message>"}`, `rfc6749` answers '
        '`{"error": "<code>", "error_description": "<message>"}` (RFC 6749 §5.2).'
    ),
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.0.3",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema is public: a bad Authorization header must not make it a 403.
    "SERVE_AUTHENTICATION": [],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.add_oauth_endpoints",
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
