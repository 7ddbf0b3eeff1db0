"""Bare Django for the floors: the same database, nothing else (see bench/floor/__init__.py)."""

import os

import environ

env = environ.Env()

SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "bench.floor.urls"
USE_TZ = True
TIME_ZONE = "UTC"
DATABASES = {"default": env.db_url("DATABASE_URL")}
# A persistent connection, as production keeps one (no health check: the floor is bare).
DATABASES["default"]["CONN_MAX_AGE"] = 60
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["OPTIONS"] = {"timeout": 20}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
