"""Rate limits: failed client authentication per (client_id, IP) and per IP (successful
ones never count), sign-in attempts, sign-ups; 429 in each endpoint's shape with
Retry-After."""

import os
import subprocess
import sys
import uuid

from django.conf import settings
from django.test import override_settings

from tests.base import BaseTestCase, limits, oauthapps_settings, rfc_dialect

TOO_MANY = {"success": False, "error": "Too many requests, try again later"}


class TokenEndpointLimitsTestCase(BaseTestCase):
    def client_credentials(self, secret=None, client_id=None, ip="10.0.0.1"):
        return self.client.post(
            "/oauth/token/",
            {
                "grant_type": "client_credentials",
                "client_id": client_id or self.app.client_id,
                "client_secret": secret or self.secret,
            },
            REMOTE_ADDR=ip,
        )

    def setUp(self):
        super().setUp()
        self.app.allow_client_credentials = True
        self.app.save()

    def assertTooMany(self, response, body=TOO_MANY):
        self.assertEqual(response.status_code, 429)
        self.assertEqual(response.json(), body)
        self.assertTrue(1 <= int(response["Retry-After"]) <= 60, response["Retry-After"])

    @limits(client_auth_failures_per_client_and_ip="2/m", client_auth_failures_per_ip="2/m")
    def test_a_client_sending_many_successful_requests_is_never_refused(self):
        for _ in range(30):
            self.assertEqual(self.client_credentials().status_code, 200)

    @limits(client_auth_failures_per_client_and_ip="3/m")
    def test_a_flood_of_wrong_secrets_reaches_429_with_retry_after(self):
        for _ in range(3):
            self.assertEqual(self.client_credentials("wrong").status_code, 400)
        for _ in range(5):
            self.assertTooMany(self.client_credentials("wrong"))

    @override_settings(TRUSTED_PROXIES=["10.0.0.0/8"])
    @limits(client_auth_failures_per_client_and_ip="3/m", client_auth_failures_per_ip="5/m")
    def test_wrong_secrets_from_one_address_do_not_lock_out_the_client_elsewhere(self):
        def through_proxy(client_address, secret=None):
            return self.client.post(
                "/oauth/token/",
                {
                    "grant_type": "client_credentials",
                    "client_id": self.app.client_id,
                    "client_secret": secret or self.secret,
                },
                REMOTE_ADDR="10.0.0.1",  # the load balancer
                HTTP_X_FORWARDED_FOR=client_address,
            )

        attacker, client = "203.0.113.66", "198.51.100.7"
        statuses = [through_proxy(attacker, "wrong").status_code for _ in range(20)]
        self.assertEqual(statuses[:3], [400, 400, 400])
        self.assertEqual(set(statuses[3:]), {429})
        # The client itself, from its own address, with its secret: served.
        for _ in range(3):
            self.assertEqual(through_proxy(client).status_code, 200)

    @limits(client_auth_failures_per_ip="3/m")
    def test_it_limits_failed_authentications_per_ip_across_client_ids(self):
        for n in range(3):
            r = self.client_credentials("wrong", client_id=f"guess-{n}")
            self.assertEqual(r.status_code, 400)
        self.assertTooMany(self.client_credentials("wrong", client_id="guess-9"))
        # A client that authenticates is never refused, even from that address.
        self.assertEqual(self.client_credentials().status_code, 200)

    @limits(client_auth_failures_per_client_and_ip="1/m")
    def test_it_answers_429_in_the_rfc_shape(self):
        with rfc_dialect():
            self.client_credentials("wrong")
            self.assertTooMany(
                self.client_credentials("wrong"),
                {
                    "error": "rate_limited",
                    "error_description": "Too many requests, try again later",
                },
            )

    @limits(client_auth_failures_per_client_and_ip="2/m")
    def test_it_counts_failures_at_revocation_and_introspection(self):
        data = {"client_id": self.app.client_id, "client_secret": "wrong", "token": "x"}
        self.assertEqual(self.client.post("/oauth/revoke", data).status_code, 401)
        self.assertEqual(self.client.post("/oauth/introspect", data).status_code, 401)
        for path in ("/oauth/revoke", "/oauth/introspect"):
            with self.subTest(path):
                r = self.client.post(path, data)
                self.assertEqual(r.status_code, 429)
                # Revocation and introspection always answer in the RFC shape.
                self.assertEqual(r.json()["error"], "rate_limited")
                self.assertIn("Retry-After", r)
        # One count for the three endpoints (the test client's address is 127.0.0.1).
        self.assertTooMany(self.client_credentials("wrong", ip="127.0.0.1"))
        # The right secret is still served everywhere.
        data["client_secret"] = self.secret
        self.assertEqual(self.client.post("/oauth/revoke", data).status_code, 200)
        self.assertEqual(self.client.post("/oauth/introspect", data).status_code, 200)
        self.assertEqual(self.client_credentials(ip="127.0.0.1").status_code, 200)

    @limits(client_auth_failures_per_client_and_ip=None, client_auth_failures_per_ip=None)
    def test_it_turns_a_limit_off_with_none(self):
        for _ in range(40):
            self.assertEqual(self.client_credentials("wrong").status_code, 400)


class SignInLimitsTestCase(BaseTestCase):
    def login(self, username="alice", password="password", ip="10.0.0.1"):
        return self.client.post(
            "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip
        )

    @limits(login_failures_per_username_ip="3/15m")
    def test_it_limits_failed_sign_ins_per_username_and_address(self):
        for _ in range(3):
            self.assertEqual(self.login(password="nope", ip="10.0.2.1").status_code, 200)
        r = self.login(ip="10.0.2.1")  # the right password must wait too, from there
        self.assertEqual(r.status_code, 429)
        self.assertContains(r, "Too many attempts", status_code=429)
        self.assertTrue(1 <= int(r["Retry-After"]) <= 900)
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertEqual(self.login("bob", ip="10.0.2.1").status_code, 302)
        self.client.logout()
        self.assertEqual(self.login(ip="10.0.2.9").status_code, 302)  # alice, elsewhere

    @limits(login_per_ip="2/m")
    def test_it_limits_sign_in_attempts_per_ip(self):
        self.assertEqual(self.login().status_code, 302)
        self.assertEqual(self.login("bob").status_code, 302)
        self.assertEqual(self.login("bob").status_code, 429)
        self.assertEqual(self.login("bob", ip="10.0.0.2").status_code, 302)

    @limits(signup_per_ip="1/h")
    def test_it_limits_sign_ups_per_ip(self):
        def signup(name):
            return self.client.post(
                "/accounts/signup/",
                {
                    "username": name,
                    "password1": "a-long-passphrase",
                    "password2": "a-long-passphrase",
                },
                REMOTE_ADDR="10.0.3.1",
            )

        self.assertEqual(signup("dana").status_code, 302)
        self.client.logout()
        r = signup("erin")
        self.assertEqual(r.status_code, 429)
        self.assertTrue(1 <= int(r["Retry-After"]) <= 3600)


REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


class SharedCountersTestCase(BaseTestCase):
    """With Redis, processes share counters: failures counted in another process count here."""

    def test_it_shares_counters_between_processes_through_redis(self):
        prefix = f"test-{uuid.uuid4().hex}"
        client_id = self.app.client_id
        caches = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": REDIS_URL,
                "KEY_PREFIX": prefix,
            }
        }
        script = (
            "import django; django.setup()\n"
            "from django.conf import settings\n"
            f"settings.CACHES['default']['KEY_PREFIX'] = {prefix!r}\n"
            "settings.OAUTHAPPS = {**settings.OAUTHAPPS, "
            "'RATE_LIMITS': {'client_auth_failures_per_client_and_ip': '3/m'}}\n"
            "from django.test import RequestFactory\n"
            "from oauthapps import ratelimits\n"
            "request = RequestFactory().post('/oauth/token/')\n"
            "for _ in range(3):\n"
            f"    ratelimits.client_auth_failed(request, {client_id!r})\n"
        )
        env = {
            **os.environ,
            "REDIS_URL": REDIS_URL,
            "DJANGO_SETTINGS_MODULE": "config.settings_test",
        }
        subprocess.run([sys.executable, "-c", script], env=env, check=True, cwd=settings.BASE_DIR)

        self.app.allow_client_credentials = True
        self.app.save()
        data = {
            "grant_type": "client_credentials",
            "client_id": self.app.client_id,
            "client_secret": "wrong",
        }
        limit = limits(client_auth_failures_per_client_and_ip="3/m")
        with override_settings(CACHES=caches), limit:
            r = self.client.post("/oauth/token/", data)
        self.assertEqual(r.status_code, 429)
        with limit:  # the local cache knows nothing
            self.assertEqual(self.client.post("/oauth/token/", data).status_code, 400)


class AppRegistrationLimitTestCase(BaseTestCase):
    def register(self, **extra):
        return self.client.post(
            "/api/v1/apps",
            {"client_name": "Socket App", "redirect_uris": "https://example.com/cb"},
            content_type="application/json",
            **extra,
        )

    def test_it_counts_a_request_without_a_client_address(self):
        # gunicorn on a unix socket gives an empty REMOTE_ADDR: no 500.
        self.assertEqual(self.register(REMOTE_ADDR="").status_code, 200)

    @oauthapps_settings(APP_REGISTRATION_RATE="1/h")
    def test_it_says_how_long_to_wait(self):
        self.register()
        r = self.client.post(
            "/api/v1/apps",
            {"client_name": "Second App", "redirect_uris": "https://example.com/cb"},
            content_type="application/json",
        )
        self.assertEqual(r.status_code, 429)
        self.assertTrue(1 <= int(r["Retry-After"]) <= 3600)
