"""Production settings from the environment (static files, e-mail, logs, timeouts), the
one-line log formatters and config/gunicorn.py.

Settings are read in a subprocess with config.settings and an environment built from
scratch, so nothing here leaks into the suite.
"""

import json
import logging
import os
import runpy
import subprocess
import sys
from pathlib import Path
from unittest import mock

from django.test import SimpleTestCase

from plumbing.logformat import JsonFormatter, LineFormatter, RedactQueryStrings

BASE_DIR = Path(__file__).resolve().parent.parent

SHOW_SETTINGS = """
import json
import django
django.setup()
from django.conf import settings
print(json.dumps({
    "staticfiles": settings.STORAGES["staticfiles"]["BACKEND"],
    "STATIC_ROOT": str(settings.STATIC_ROOT),
    "middleware": settings.MIDDLEWARE[:4],
    "EMAIL_BACKEND": settings.EMAIL_BACKEND,
    "EMAIL_HOST": settings.EMAIL_HOST,
    "EMAIL_PORT": settings.EMAIL_PORT,
    "EMAIL_HOST_USER": settings.EMAIL_HOST_USER,
    "EMAIL_HOST_PASSWORD": settings.EMAIL_HOST_PASSWORD,
    "EMAIL_USE_TLS": settings.EMAIL_USE_TLS,
    "DEFAULT_FROM_EMAIL": settings.DEFAULT_FROM_EMAIL,
    "SERVER_EMAIL": settings.SERVER_EMAIL,
    "formatter": settings.LOGGING["handlers"]["console"]["formatter"],
    "cache_options": settings.CACHES["default"].get("OPTIONS"),
    "database_options": settings.DATABASES["default"].get("OPTIONS"),
    "TRUSTED_PROXIES": settings.TRUSTED_PROXIES,
}))
"""


def environment(**variables: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "OAUTH_", "LOG_", "EMAIL_"))
        and k not in ("DEFAULT_FROM_EMAIL", "SERVER_EMAIL", "TRUSTED_PROXIES")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_SECRET_KEY="production-settings-test-key",
        **variables,
    )
    return env


def settings_with(**variables: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", SHOW_SETTINGS],
        cwd=BASE_DIR,
        env=environment(**variables),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


class ProductionSettingsTestCase(SimpleTestCase):
    def test_production_serves_hashed_compressed_static_files_through_whitenoise(self):
        seen = settings_with(DJANGO_STATIC_ROOT="/srv/static")
        self.assertEqual(
            seen["staticfiles"], "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
        self.assertEqual(seen["STATIC_ROOT"], "/srv/static")
        # Right after SecurityMiddleware (after the machine-endpoint dispatcher and the
        # opt-in proxy middleware).
        self.assertEqual(
            seen["middleware"][2:4],
            [
                "django.middleware.security.SecurityMiddleware",
                "whitenoise.middleware.WhiteNoiseMiddleware",
            ],
        )

    def test_development_needs_no_collectstatic_and_prints_mail(self):
        seen = settings_with(DJANGO_DEBUG="1")
        self.assertEqual(
            seen["staticfiles"], "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
        self.assertEqual(seen["EMAIL_BACKEND"], "django.core.mail.backends.console.EmailBackend")

    def test_email_comes_from_email_url(self):
        seen = settings_with(
            EMAIL_URL="smtp+tls://gatehouse:p%40ss@smtp.example.org:587",
            DEFAULT_FROM_EMAIL="auth@example.org",
        )
        self.assertEqual(seen["EMAIL_BACKEND"], "django.core.mail.backends.smtp.EmailBackend")
        self.assertEqual(
            [seen[k] for k in ("EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER")],
            ["smtp.example.org", 587, "gatehouse"],
        )
        self.assertEqual(seen["EMAIL_HOST_PASSWORD"], "p@ss")
        self.assertTrue(seen["EMAIL_USE_TLS"])
        self.assertEqual(seen["DEFAULT_FROM_EMAIL"], "auth@example.org")
        self.assertEqual(seen["SERVER_EMAIL"], "auth@example.org")

    def test_email_defaults_to_the_local_smtp_server(self):
        seen = settings_with()
        self.assertEqual(seen["EMAIL_BACKEND"], "django.core.mail.backends.smtp.EmailBackend")
        self.assertEqual([seen["EMAIL_HOST"], seen["EMAIL_PORT"]], ["localhost", 25])

    def test_redis_and_postgresql_time_out_in_seconds(self):
        seen = settings_with(
            REDIS_URL="redis://127.0.0.1:6379/5",
            DATABASE_URL="postgres://gatehouse@db.internal:5432/gatehouse",
        )
        self.assertEqual(
            seen["cache_options"], {"socket_connect_timeout": 5.0, "socket_timeout": 5.0}
        )
        prepared = {"server_side_binding": True, "prepare_threshold": 5}
        self.assertEqual(seen["database_options"], {"connect_timeout": 5, **prepared})
        seen = settings_with(
            DATABASE_URL="postgres://gatehouse@db.internal:5432/gatehouse?connect_timeout=2"
        )
        self.assertEqual(seen["database_options"], {"connect_timeout": 2, **prepared})

    def test_prepared_statements_can_be_turned_off_for_pgbouncer(self):
        seen = settings_with(
            DATABASE_URL="postgres://gatehouse@db.internal:5432/gatehouse",
            DATABASE_PREPARE_THRESHOLD="0",
        )
        self.assertEqual(seen["database_options"], {"connect_timeout": 5})

    def test_log_format_and_trusted_proxies_come_from_the_environment(self):
        self.assertEqual(settings_with()["formatter"], "text")
        seen = settings_with(LOG_FORMAT="json", TRUSTED_PROXIES="10.0.0.0/8,192.168.1.5")
        self.assertEqual(seen["formatter"], "json")
        self.assertEqual(seen["TRUSTED_PROXIES"], ["10.0.0.0/8", "192.168.1.5"])

    def test_a_bad_setting_stops_every_command_with_one_line(self):
        for variables, message in [
            ({"LOG_FORMAT": "xml"}, "LOG_FORMAT must be text or json."),
            ({"EMAIL_URL": "carrier-pigeon://x"}, "Invalid email schema carrier-pigeon"),
            ({"OAUTH_DIALECT": "oauth1"}, "OAUTH_DIALECT must be one of contentdb, rfc6749."),
            (
                {"TRUSTED_PROXIES": "10.0.0.0/8,proxy.internal"},
                "TRUSTED_PROXIES: 'proxy.internal' is not an IP address or network.",
            ),
            (
                {"ACCESS_TOKEN_EXPIRE_SECONDS": "0"},
                "ACCESS_TOKEN_EXPIRE_SECONDS must be a positive number of seconds.",
            ),
        ]:
            with self.subTest(variables):
                result = subprocess.run(
                    [sys.executable, "manage.py", "check"],
                    cwd=BASE_DIR,
                    env=environment(**variables),
                    capture_output=True,
                    text=True,
                    timeout=60,
                )
                self.assertNotEqual(result.returncode, 0)
                self.assertIn(message, result.stderr.strip().splitlines()[-1])


def record(message: str, *args, level=logging.INFO, exc_info=None) -> logging.LogRecord:
    return logging.LogRecord("gatehouse.test", level, __file__, 1, message, args, exc_info)


class LogFormatTestCase(SimpleTestCase):
    def test_text_is_one_line_per_event_even_with_a_traceback(self):
        try:
            raise ValueError("first\nsecond")
        except ValueError:
            line = LineFormatter().format(record("failed: %s", "a\nb", exc_info=sys.exc_info()))
        self.assertNotIn("\n", line)
        self.assertRegex(line, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO ")
        self.assertIn("INFO gatehouse.test failed: a\\nb\\nTraceback", line)
        self.assertIn("ValueError: first\\nsecond", line)

    def test_json_is_one_object_per_line(self):
        try:
            raise ValueError("boom")
        except ValueError:
            line = JsonFormatter().format(record("a %s", "b\nc", exc_info=sys.exc_info()))
        self.assertNotIn("\n", line)
        event = json.loads(line)
        self.assertEqual(event["message"], "a b\nc")
        self.assertEqual(event["level"], "INFO")
        self.assertEqual(event["logger"], "gatehouse.test")
        self.assertIn("ValueError: boom", event["exc"])
        self.assertRegex(event["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

    def test_json_keeps_the_status_but_never_the_request(self):
        entry = record("Not Found: %s", "/x")
        entry.status_code = 404
        entry.request = object()
        self.assertEqual(
            set(json.loads(JsonFormatter().format(entry))),
            {"time", "level", "logger", "process", "message", "status"},
        )

    def test_query_strings_are_cut_from_server_errors(self):
        entry = record("Error handling request %s", "/oauth/token?client_secret=abc&code=xyz")
        RedactQueryStrings().filter(entry)
        self.assertEqual(entry.getMessage(), "Error handling request /oauth/token?[redacted]")
        entry = record("Invalid request from ip=1.2.3.4: Invalid Request Line 'GET /?code=abc'")
        RedactQueryStrings().filter(entry)
        self.assertNotIn("abc", entry.getMessage())


class GunicornConfigTestCase(SimpleTestCase):
    def config(self, **variables: str) -> dict:
        keep = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("GUNICORN_") and k not in ("PORT", "WEB_CONCURRENCY", "LOG_FORMAT")
        }
        with mock.patch.dict(os.environ, {**keep, **variables}, clear=True):
            return runpy.run_path(str(BASE_DIR / "config" / "gunicorn.py"))

    def test_defaults(self):
        config = self.config()
        self.assertEqual(config["bind"], ["0.0.0.0:8000"])
        self.assertEqual(config["workers"], 2 * len(os.sched_getaffinity(0)) + 1)
        self.assertEqual(config["worker_class"], "sync")
        self.assertTrue(config["preload_app"])
        self.assertEqual(config["wsgi_app"], "config.wsgi:application")
        self.assertTrue(config["control_socket_disable"])
        self.assertEqual(config["accesslog"], "-")
        self.assertEqual(
            config["logconfig_dict"]["formatters"]["gatehouse"]["()"],
            "plumbing.logformat.LineFormatter",
        )

    def test_the_environment_changes_it(self):
        config = self.config(
            GUNICORN_BIND="127.0.0.1:9000,[::1]:9000",
            GUNICORN_WORKERS="3",
            GUNICORN_TIMEOUT="12",
            LOG_FORMAT="json",
        )
        self.assertEqual(config["bind"], ["127.0.0.1:9000", "[::1]:9000"])
        self.assertEqual(config["workers"], 3)
        self.assertEqual(config["timeout"], 12)
        self.assertEqual(
            config["logconfig_dict"]["formatters"]["gatehouse"]["()"],
            "plumbing.logformat.JsonFormatter",
        )
        self.assertEqual(self.config(PORT="5000")["bind"], ["0.0.0.0:5000"])
        self.assertEqual(self.config(WEB_CONCURRENCY="4")["workers"], 4)

    def test_the_access_log_has_no_query_string_referer_or_user(self):
        fmt = self.config()["access_log_format"]
        self.assertIn("%(U)s", fmt)  # the path without its query string
        for atom in ("%(r)s", "%(q)s", "%(f)s", "%(u)s", "{authorization}i", "{cookie}i"):
            self.assertNotIn(atom, fmt)
