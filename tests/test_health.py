"""`GET /healthz`: 200 when the database and the cache answer, 503 naming the one that
does not; no session, no cookies, no caching, and reachable over plain http."""

import os
import socket
from unittest import mock, skipUnless
from urllib.parse import urlsplit

from django.db import OperationalError
from django.test import SimpleTestCase, TestCase, override_settings

REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/5")
# A port nothing listens on: connecting is refused at once.
DEAD_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
}


def redis_reachable() -> bool:
    parts = urlsplit(REDIS_TEST_URL)
    try:
        socket.create_connection((parts.hostname, parts.port or 6379), timeout=1).close()
    except OSError:
        return False
    return True


def failing_cursor(*args, **kwargs):
    raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")


class HealthTestCase(TestCase):
    def test_it_answers_ok_when_the_database_and_the_cache_answer(self):
        response = self.client.get("/healthz")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"status": "ok", "database": "ok", "cache": "ok"})
        self.assertEqual(response["Cache-Control"], "no-store")
        self.assertEqual(response["Content-Type"], "application/json")
        # No session is touched: no cookie, nothing that varies by cookie.
        self.assertEqual(response.cookies, {})
        self.assertNotIn("Cookie", response.get("Vary", ""))

    def test_it_answers_head_and_refuses_other_methods(self):
        self.assertEqual(self.client.head("/healthz").status_code, 200)
        self.assertEqual(self.client.post("/healthz").status_code, 405)

    def test_it_needs_no_authentication_even_with_a_bad_token(self):
        response = self.client.get("/healthz", HTTP_AUTHORIZATION="Bearer not-a-token")
        self.assertEqual(response.status_code, 200)

    def test_it_answers_503_naming_the_database_when_the_database_is_down(self):
        with (
            mock.patch("plumbing.health.connection.cursor", side_effect=failing_cursor),
            self.assertLogs("plumbing.health", "ERROR") as logs,
            self.assertNoLogs("django.request", "WARNING"),
        ):
            response = self.client.get("/healthz")
        self.assertEqual(response.status_code, 503)
        self.assertEqual(
            response.json(), {"status": "unavailable", "database": "unavailable", "cache": "ok"}
        )
        self.assertEqual(response["Cache-Control"], "no-store")
        self.assertEqual(
            logs.output,
            [
                "ERROR:plumbing.health:Health check: database unavailable: OperationalError: "
                "connection to server at 127.0.0.1 failed: Connection refused"
            ],
        )

    @override_settings(CACHES=DEAD_REDIS)
    def test_it_answers_503_naming_the_cache_when_redis_is_down(self):
        with self.assertLogs("plumbing.health", "ERROR") as logs:
            response = self.client.get("/healthz")
        self.assertEqual(response.status_code, 503)
        self.assertEqual(
            response.json(), {"status": "unavailable", "database": "ok", "cache": "unavailable"}
        )
        self.assertIn("Health check: cache unavailable: ConnectionError", logs.output[0])

    @override_settings(CACHES=DEAD_REDIS)
    def test_it_names_both_when_both_are_down(self):
        with (
            mock.patch("plumbing.health.connection.cursor", side_effect=failing_cursor),
            self.assertLogs("plumbing.health", "ERROR") as logs,
        ):
            response = self.client.get("/healthz")
        self.assertEqual(response.status_code, 503)
        self.assertEqual(
            response.json(),
            {"status": "unavailable", "database": "unavailable", "cache": "unavailable"},
        )
        self.assertEqual(len(logs.output), 2)

    def test_it_answers_503_when_the_cache_loses_what_it_was_given(self):
        with (
            mock.patch("plumbing.health.cache.get", return_value=None),
            self.assertLogs("plumbing.health", "ERROR"),
        ):
            response = self.client.get("/healthz")
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response.json()["cache"], "unavailable")

    @override_settings(SECURE_SSL_REDIRECT=True)
    def test_a_load_balancer_probes_it_over_plain_http(self):
        self.assertEqual(self.client.get("/healthz").status_code, 200)
        # Everything else still goes to https.
        self.assertEqual(self.client.get("/").status_code, 301)
        self.assertEqual(self.client.get("/healthz/").status_code, 301)


@skipUnless(redis_reachable(), f"no Redis at {REDIS_TEST_URL}")
class RealRedisHealthTestCase(TestCase):
    def test_it_answers_ok_with_a_real_redis(self):
        caches = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": REDIS_TEST_URL,
            }
        }
        with override_settings(CACHES=caches):
            response = self.client.get("/healthz")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["cache"], "ok")


class HealthUrlTestCase(SimpleTestCase):
    def test_it_lives_at_healthz(self):
        from django.urls import reverse

        self.assertEqual(reverse("healthz"), "/healthz")
