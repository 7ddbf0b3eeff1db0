"""Start-up: a configuration mistake stops every entry point with one line.

Settings validate the environment as they load and raise ImproperlyConfigured with a
sentence naming the variable (config/settings/). `manage.py`, `config/wsgi.py` (so
gunicorn) and `config/asgi.py` catch it here and print that sentence alone, on stderr,
then exit with status 1: no traceback, no server left running without listening.
Serving entry points (gunicorn, `runserver`) also require what only serving needs: a
secret key and an ID token signing key (offline commands such as `migrate` run without).
"""

from __future__ import annotations

import sys
from typing import NoReturn

from django.core.exceptions import ImproperlyConfigured

SERVING_COMMANDS = ("runserver",)


def configuration_error(exc: ImproperlyConfigured) -> NoReturn:
    message = " ".join(str(exc).split())
    sys.stderr.write(f"Configuration error: {message}\n")
    sys.stderr.flush()
    raise SystemExit(1)


def require_serving() -> None:
    """What a serving process needs beyond the settings every command loads."""
    from config.settings import require_oidc_key, require_secret_key

    require_secret_key()
    require_oidc_key()
