"""The one reader of the environment: `env` (django-environ) and the values every other
settings module starts from (BASE_DIR, DEBUG, `database_url`).

Every unreadable value is reported as ImproperlyConfigured naming its variable;
config/startup.py prints it as one line and exits."""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parents[2]


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


def database_url(var: str, default: str) -> dict:
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
