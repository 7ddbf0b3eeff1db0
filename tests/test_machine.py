"""The machine endpoints' own stack (plumbing/machine.py, with oauthapps/middleware.py's
MachineEndpointGuard: https required) and the idle-only health check (plumbing/db.py)."""

import time
from unittest import mock

from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.test import Client, SimpleTestCase, override_settings
from django.urls import reverse

from plumbing import db as plumbing_db
from plumbing.machine import machine_match
from tests.base import BaseTestCase, rfc_dialect

MACHINE_REQUESTS = [
    ("POST", "/oauth/token/"),
    ("POST", "/oauth/token"),
    ("POST", "/api/oauth2/token"),
    ("POST", "/oauth/revoke"),
    ("POST", "/oauth/introspect"),
    ("GET", "/api/whoami/"),
    ("DELETE", "/api/delete-token/"),
    ("POST", "/api/v1/apps"),
    ("GET", "/oauth/userinfo/"),
    ("GET", "/.well-known/oauth-authorization-server"),
    ("GET", "/.well-known/openid-configuration"),
    ("GET", "/.well-known/jwks.json"),
]


class MachineStackTestCase(BaseTestCase):
    def test_machine_endpoints_are_recognised_and_pages_are_not(self):
        factory_client = Client()
        for method, path in MACHINE_REQUESTS:
            request = factory_client.request(REQUEST_METHOD=method, PATH_INFO=path).wsgi_request
            with self.subTest(path):
                self.assertIsNotNone(machine_match(request), path)
        for path in ("/", "/accounts/login/", "/oauth/authorize/", "/user/apps/", "/admin/"):
            request = factory_client.get(path).wsgi_request
            with self.subTest(path):
                self.assertIsNone(machine_match(request), path)

    def test_it_serves_machine_endpoints_without_the_browser_middleware(self):
        client = Client(raise_request_exception=False)
        broken = AssertionError("a machine request ran the browser's middleware")
        with (
            mock.patch.object(SessionMiddleware, "process_request", side_effect=broken),
            mock.patch.object(MessageMiddleware, "process_request", side_effect=broken),
            self.assertLogs("django.request", "ERROR"),
        ):
            for method, path in MACHINE_REQUESTS:
                response = client.generic(method, path)
                with self.subTest(path):
                    self.assertLess(response.status_code, 500, response.content)
                    self.assertNotIn("Set-Cookie", response)
                    self.assertNotIn("Content-Security-Policy", response)
            # The patch is live: a page runs the browser's middleware and fails here.
            self.assertEqual(client.get("/accounts/login/").status_code, 500)

    @override_settings(SECURE_HSTS_SECONDS=3600)
    def test_machine_responses_keep_hsts_and_nosniff(self):
        token = self.get_token()
        for response in (
            self.client.get("/api/whoami/", HTTP_AUTHORIZATION=f"Bearer {token}", secure=True),
            self.client.post("/oauth/token/", {}, secure=True),
            self.client.get("/.well-known/jwks.json", secure=True),
        ):
            with self.subTest(response.request["PATH_INFO"]):
                self.assertEqual(
                    response["Strict-Transport-Security"],
                    "max-age=3600; includeSubDomains; preload",
                )
                self.assertEqual(response["X-Content-Type-Options"], "nosniff")

    def test_token_responses_are_never_cached(self):
        self.app.allow_client_credentials = True
        self.app.save()
        ok = self.client.post(
            "/oauth/token/",
            {
                "grant_type": "client_credentials",
                "client_id": self.app.client_id,
                "client_secret": self.secret,
            },
        )
        refused = self.client.post("/oauth/token/", {"grant_type": "client_credentials"})
        for response in (ok, refused):
            self.assertEqual(response["Cache-Control"], "no-store")


@override_settings(SECURE_SSL_REDIRECT=True)
class PlainHttpTestCase(BaseTestCase):
    """Issue 11 item 10: a redirect to https would come after the secret crossed the
    network, and clients follow it silently."""

    def test_plain_http_token_requests_are_refused_not_redirected(self):
        data = {
            "grant_type": "client_credentials",
            "client_id": self.app.client_id,
            "client_secret": self.secret,
        }
        response = self.client.post("/oauth/token/", data)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json(), {"success": False, "error": "https is required"})
        with rfc_dialect():
            response = self.client.post("/oauth/token/", data)
        self.assertEqual(
            response.json(), {"error": "invalid_request", "error_description": "https is required"}
        )
        response = self.client.post("/oauth/revoke", {"token": "x", **data})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["error"], "invalid_request")
        self.assertEqual(self.client.get("/api/whoami/").status_code, 400)
        # Over https they are served.
        self.app.allow_client_credentials = True
        self.app.save()
        self.assertEqual(self.client.post("/oauth/token/", data, secure=True).status_code, 200)

    def test_pages_still_redirect_to_https(self):
        response = self.client.get(reverse("login"))
        self.assertEqual(response.status_code, 301)
        self.assertTrue(response["Location"].startswith("https://"))


class _Connection:
    """The parts of a Django database connection the idle rule reads and writes."""

    def __init__(self):
        self.connection = object()
        self.health_check_enabled = True
        self.health_check_done = False


class IdleHealthCheckTestCase(SimpleTestCase):
    def started(self, connection, *, used_seconds_ago):
        connection._plumbing_last_used = time.monotonic() - used_seconds_ago
        connection.health_check_done = False  # as Django resets it at request start
        with mock.patch.object(plumbing_db.connections, "all", return_value=[connection]):
            plumbing_db.trust_busy_connections()
        return connection.health_check_done

    def test_a_busy_connection_is_reused_without_a_health_check(self):
        self.assertTrue(self.started(_Connection(), used_seconds_ago=0.2))

    def test_an_idle_connection_is_checked_first(self):
        self.assertFalse(self.started(_Connection(), used_seconds_ago=5))

    @override_settings(DATABASE_HEALTH_CHECK_IDLE_SECONDS=10)
    def test_the_idle_limit_is_a_setting(self):
        self.assertTrue(self.started(_Connection(), used_seconds_ago=5))

    def test_a_connection_never_used_or_without_health_checks_is_left_alone(self):
        fresh = _Connection()
        with mock.patch.object(plumbing_db.connections, "all", return_value=[fresh]):
            plumbing_db.trust_busy_connections()
        self.assertFalse(fresh.health_check_done)
        off = _Connection()
        off.health_check_enabled = False
        self.assertFalse(self.started(off, used_seconds_ago=0))

    def test_the_end_of_a_request_marks_the_connection_used(self):
        connection = _Connection()
        with mock.patch.object(plumbing_db.connections, "all", return_value=[connection]):
            plumbing_db.note_use()
        self.assertLess(time.monotonic() - connection._plumbing_last_used, 1)


# ---- issue 11, attack 10: plain http at the machine endpoints -------------------------------


@override_settings(SECURE_SSL_REDIRECT=True)
class PlainHttpAttackTestCase(BaseTestCase):
    def test_a_plain_http_token_request_is_refused_not_redirected(self):
        response = self.client.post(
            "/oauth/token/",
            {
                "grant_type": "client_credentials",
                "client_id": self.app.client_id,
                "client_secret": self.secret,
            },
        )
        # No 301 to https that a client would follow after sending its secret in clear.
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json(), {"success": False, "error": "https is required"})
        for method, path in (
            ("POST", "/oauth/revoke"),
            ("POST", "/oauth/introspect"),
            ("GET", "/api/whoami/"),
            ("GET", "/oauth/userinfo/"),
        ):
            with self.subTest(path):
                self.assertEqual(self.client.generic(method, path).status_code, 400)
        self.assertEqual(self.client.get("/accounts/login/").status_code, 301)
