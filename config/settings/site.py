"""The Django site: apps, the two middleware stacks, templates, URLs, sign-in, i18n,
static files, and DRF with its OpenAPI description."""

from pathlib import Path

from config.settings.env import BASE_DIR, DEBUG, env

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

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "oauthapps:app_list"
LOGOUT_REDIRECT_URL = "login"

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

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["oauthapps.protocol.bearer.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": [],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "oauthapps.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": None,
}

# ---- OpenAPI ---------------------------------------------------------------------------
# drf-spectacular describes the JSON endpoints at /api/schema/: the DRF views from their
# decorators (api/schema.py), the OAuth and OpenID Connect endpoints from
# oauthapps/openapi/. /api/docs/ shows them with Swagger UI served from our own static
# files (drf-spectacular-sidecar), with no inline script or style, under the site's CSP
# (api/docs.py).
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
        "api.schema.finish_api_paths",
        "oauthapps.openapi.add_oauth_endpoints",
    ],
    "TAGS": [
        {
            "name": "api",
            "description": "The JSON API (Django REST framework), with bearer tokens.",
        },
        {
            "name": "oauth",
            "description": "OAuth 2 endpoints. The authorization endpoint "
            "(`/oauth/authorize/`) is a page for people, not JSON, and is described in the "
            "README.",
        },
        {
            "name": "openid",
            "description": "OpenID Connect: discovery, the signing keys and UserInfo.",
        },
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
