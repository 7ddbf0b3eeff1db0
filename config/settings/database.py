"""The database (DATABASE_URL) and the cache (REDIS_URL), with their timeouts."""

from django.core.exceptions import ImproperlyConfigured

from config.settings.env import BASE_DIR, database_url, env

DATABASES = {
    "default": database_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
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
