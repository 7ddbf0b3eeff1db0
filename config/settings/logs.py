"""Logging: one line per event on stderr."""

from django.core.exceptions import ImproperlyConfigured

from config.settings.env import env

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
