"""Settings for the benchmark server: production settings, plus exactly what a bench needs.

`bench/run.py` serves Gatehouse with these through gunicorn. Everything not changed
below is `config.settings` as production runs it (DEBUG off, persistent database
connections with health checks, the full middleware stack, the production logging).
Changed, and why:

- ROOT_URLCONF adds the two floor views (`bench/urls.py`); production never mounts them.
- Rate limits are off: the load comes from one IP and one client, by design.
- Plain HTTP on loopback: no SSL redirect, no HSTS (the runner also sets
  DJANGO_SECURE_SSL_REDIRECT=0 and DJANGO_SECURE_HSTS_SECONDS=0).
- With BENCH_SQLITE_TRANSACTION_MODE (a diagnostic flag of the runner, off by default),
  SQLite's transaction mode.
"""

import os

from config.settings import *  # noqa: F403
from oauthapps.conf import DEFAULTS as _OAUTHAPPS_DEFAULTS

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench.urls"

SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0

OAUTHAPPS = {  # noqa: F405
    **OAUTHAPPS,  # noqa: F405
    "RATE_LIMITS": {name: None for name in _OAUTHAPPS_DEFAULTS["RATE_LIMITS"]},
}

# Diagnostic only (bench/run.py --sqlite-transaction-mode): production leaves Django's
# default, DEFERRED, whose read-then-write transactions can fail at once with
# "database is locked" when another connection is writing.
_sqlite_mode = os.environ.get("BENCH_SQLITE_TRANSACTION_MODE")
_database = DATABASES["default"]  # noqa: F405
if _sqlite_mode and _database["ENGINE"].endswith("sqlite3"):
    _database.setdefault("OPTIONS", {})["transaction_mode"] = _sqlite_mode
