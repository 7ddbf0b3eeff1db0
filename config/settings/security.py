"""Secrets, passwords, cookies, security headers, CSP and trusted proxies."""

import ipaddress
import secrets

from django.core.exceptions import ImproperlyConfigured

from config.settings.env import BASE_DIR, DEBUG, env


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
