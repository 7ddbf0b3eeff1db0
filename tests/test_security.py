"""Security requirements of RFC 9700, RFC 6749 §10, RFC 7009 and RFC 7662 that no other
test file proves. docs/security.md maps every requirement to its test."""

import math
import re
import string
from datetime import timedelta
from unittest import mock

from django.conf import settings
from django.test import Client
from django.utils import timezone

from oauthapps.models import AccessToken, Application, AuditEntry, Grant, RefreshToken
from oauthapps.protocol.digests import digest
from tests.base import REDIRECT_URI, BaseTestCase, oauthapps_settings, pkce_pair, rfc_dialect

BASE64URL = set(string.ascii_letters + string.digits + "-_")
ALPHANUMERIC = set(string.ascii_letters + string.digits)
INACTIVE = {"active": False}


def entropy_bits(value: str) -> float:
    """Bits in a random string drawn from the smallest alphabet that holds it."""
    alphabet = ALPHANUMERIC if set(value) <= ALPHANUMERIC else BASE64URL
    assert set(value) <= alphabet, value
    return len(value) * math.log2(len(alphabet))


class SecurityTestCase(BaseTestCase):
    def whoami(self, access_token: str):
        return self.client.get("/api/whoami/", HTTP_AUTHORIZATION=f"Bearer {access_token}")

    def issue(self, user=None, **params) -> dict:
        response = self.exchange(self.get_code(user, **params))
        self.assertEqual(response.status_code, 200, response.content)
        self.client.logout()
        return response.json()

    def client_credentials_token(self) -> str:
        self.app.allow_client_credentials = True
        self.app.save()
        response = self.client.post(
            "/oauth/token/",
            {
                "grant_type": "client_credentials",
                "client_id": self.app.client_id,
                "client_secret": self.secret,
            },
        )
        self.assertEqual(response.status_code, 200, response.content)
        return response.json()["access_token"]

    def introspect(self, token: str, app=None, secret=None, **extra):
        app = app or self.app
        data = {"client_id": app.client_id, "client_secret": secret or self.secret, "token": token}
        return self.client.post("/oauth/introspect", {**data, **extra})

    def revoke(self, token: str, app=None, secret=None, **extra):
        app = app or self.app
        data = {"client_id": app.client_id, "client_secret": secret or self.secret, "token": token}
        data.update(extra)
        return self.client.post("/oauth/revoke", {k: v for k, v in data.items() if v is not None})


# ---- RFC 6749 §10.10, §10.3, §10.4, §10.5: credentials cannot be guessed -----------------


class EntropyTestCase(SecurityTestCase):
    def test_it_issues_codes_tokens_and_secrets_of_at_least_160_bits(self):
        issued = {"code": [], "access token": [], "refresh token": [], "client secret": []}
        for n in range(5):
            code = self.get_code()
            issued["code"].append(code)
            body = self.exchange(code).json()
            issued["access token"].append(body["access_token"])
            issued["refresh token"].append(body["refresh_token"])
            _, secret = self.make_app(owner=self.bob, name=f"Entropy App {n}")
            issued["client secret"].append(secret)
        issued["access token"].append(self.client_credentials_token())
        for kind, values in issued.items():
            with self.subTest(kind):
                self.assertEqual(len(set(values)), len(values))
                for value in values:
                    # RFC 6749 §10.10: MUST be <= 2^-128 to guess, SHOULD be <= 2^-160.
                    self.assertGreaterEqual(entropy_bits(value), 160, value)


# ---- RFC 6749 §4.1.2, §10.5; RFC 9700 §4.2.4, §4.3.1: codes are short-lived ------------


class CodeLifetimeTestCase(SecurityTestCase):
    def test_it_expires_codes_within_ten_minutes(self):
        self.assertLessEqual(settings.OAUTH2_PROVIDER["AUTHORIZATION_CODE_EXPIRE_SECONDS"], 600)
        before = timezone.now()
        late, in_time = self.get_code(), self.get_code()
        for grant in Grant.objects.all():
            self.assertLessEqual(grant.expires - before, timedelta(seconds=601))
        real_now = timezone.now
        with mock.patch("django.utils.timezone.now", lambda: real_now() + timedelta(seconds=590)):
            self.assertEqual(self.exchange(in_time).status_code, 200)
        with mock.patch("django.utils.timezone.now", lambda: real_now() + timedelta(seconds=601)):
            r = self.exchange(late)
        self.assertEqual(r.status_code, 400)
        self.assertEqual(r.json()["error"], "Incorrect code. It may have already been redeemed")
        self.assertEqual(AccessToken.objects.count(), 1)


# ---- RFC 6749 §4.1.3, §10.6; RFC 9700 §4.5.2: the token request repeats the redirect URI --


class RedirectURIBindingTestCase(SecurityTestCase):
    def test_it_requires_the_exact_redirect_uri_of_the_code_even_on_loopback(self):
        native, secret = self.make_app(
            owner=self.alice, name="Native App", redirect_uris="http://127.0.0.1/cb"
        )
        for sent in (
            "http://127.0.0.1:9999/cb",
            "http://127.0.0.1/cb",
            "http://localhost:51234/cb",
        ):
            with self.subTest(sent):
                code = self.get_code(self.bob, native, redirect_uri="http://127.0.0.1:51234/cb")
                r = self.exchange(code, app=native, secret=secret, redirect_uri=sent)
                self.assertEqual(r.status_code, 400)
                self.assertEqual(
                    r.json()["error"], "redirect_uri does not match the authorization request"
                )
        self.assertFalse(AccessToken.objects.exists())
        code = self.get_code(self.bob, native, redirect_uri="http://127.0.0.1:51234/cb")
        r = self.exchange(code, app=native, secret=secret, redirect_uri="http://127.0.0.1:51234/cb")
        self.assertEqual(r.status_code, 200, r.content)


# ---- RFC 9700 §2.1, §4.12: never a 307 after a form that may carry credentials ----------


class RedirectStatusTestCase(SecurityTestCase):
    def test_it_answers_the_consent_form_with_302_never_307(self):
        self.client.force_login(self.bob)
        for button in ("authorize", "cancel"):
            with self.subTest(button):
                r = self.client.post(self.authorize_url(state="xyz"), {button: "1"})
                self.assertEqual(r.status_code, 302)
                self.assertTrue(r["Location"].startswith(REDIRECT_URI))
        # A person who already granted the application is sent back by GET, also with 302.
        self.issue(self.bob)
        self.client.force_login(self.bob)
        r = self.client.get(self.authorize_url())
        self.assertEqual(r.status_code, 302)
        self.assertTrue(r["Location"].startswith(REDIRECT_URI + "?code="))

    def test_it_sends_the_login_form_back_to_the_authorization_endpoint_with_302(self):
        self.issue(self.bob)  # already authorized: the next stop after login is the client
        url = self.authorize_url(state="xyz")
        r = self.client.post(
            "/accounts/login/", {"username": "bob", "password": "password", "next": url}
        )
        # The POST carrying the password goes to our own endpoint, with 302 (not 307).
        self.assertEqual((r.status_code, r["Location"]), (302, url))
        r = self.client.get(url)
        self.assertEqual(r.status_code, 302)
        self.assertTrue(r["Location"].startswith(REDIRECT_URI + "?code="))


# ---- RFC 9700 §2.1, §4.11; RFC 6749 §10.15: no open redirectors --------------------------


class OpenRedirectTestCase(SecurityTestCase):
    FOREIGN = ("https://evil.example/", "//evil.example/", "https:evil.example")

    def assertStaysOnSite(self, response) -> None:
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith("/"), response["Location"])
        self.assertFalse(response["Location"].startswith("//"), response["Location"])

    def test_it_ignores_a_foreign_next_after_login(self):
        for next_url in self.FOREIGN:
            with self.subTest(next_url):
                self.client.logout()
                r = self.client.post(
                    "/accounts/login/",
                    {"username": "bob", "password": "password", "next": next_url},
                )
                self.assertStaysOnSite(r)

    def test_it_ignores_a_foreign_next_after_sign_up_and_logout(self):
        for n, next_url in enumerate(self.FOREIGN):
            with self.subTest(next_url):
                r = self.client.post(
                    f"/accounts/signup/?next={next_url}",
                    {
                        "username": f"newcomer{n}",
                        "password1": "a-long-passphrase",
                        "password2": "a-long-passphrase",
                    },
                )
                self.assertStaysOnSite(r)
                self.assertStaysOnSite(self.client.post(f"/accounts/logout/?next={next_url}"))

    def test_it_never_redirects_an_invalid_request_to_the_redirect_uri(self):
        self.client.force_login(self.bob)
        for params in (
            {"scope": "admin"},
            {"response_type": "token"},
            {"code_challenge": "short", "code_challenge_method": "S256"},
            {"code_challenge": "x" * 43, "code_challenge_method": "plain"},
        ):
            for method in (self.client.get, self.client.post):
                with self.subTest(params=params, method=method.__name__):
                    r = method(self.authorize_url(state="xyz", **params), {"authorize": "1"})
                    self.assertEqual(r.status_code, 400)
                    self.assertNotIn("Location", r)
        self.assertFalse(Grant.objects.exists())


# ---- RFC 6749 §10.12: the authorization endpoint is protected against CSRF --------------


class ConsentCSRFTestCase(SecurityTestCase):
    def test_it_refuses_a_consent_post_without_the_csrf_token(self):
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(self.bob)
        for button in ("authorize", "cancel"):
            with self.subTest(button):
                r = browser.post(self.authorize_url(state="xyz"), {button: "1"})
                self.assertEqual(r.status_code, 403)
                self.assertNotIn("Location", r)
        self.assertFalse(Grant.objects.exists())
        # The consent page's own form, with its token, works.
        page = browser.get(self.authorize_url(state="xyz"))
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        r = browser.post(
            self.authorize_url(state="xyz"), {"authorize": "1", "csrfmiddlewaretoken": token}
        )
        self.assertEqual(r.status_code, 302)
        self.assertEqual(Grant.objects.count(), 1)


# ---- RFC 9700 §2.6: no CORS at the authorization endpoint --------------------------------


class CORSTestCase(SecurityTestCase):
    def test_it_sends_no_cors_headers_from_the_authorization_endpoint(self):
        self.client.force_login(self.bob)
        origin = {"HTTP_ORIGIN": "https://evil.example"}
        responses = [
            self.client.get(self.authorize_url(), **origin),
            self.client.options(
                self.authorize_url(), HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST", **origin
            ),
            self.client.post(self.authorize_url(), {"authorize": "1"}, **origin),
        ]
        for r in responses:
            with self.subTest(status=r.status_code):
                self.assertFalse([h for h in r.headers if h.lower().startswith("access-control-")])


# ---- RFC 9700 §2.4, §2.1.2; RFC 6749 §10.7, §10.16: no password, no implicit grant -------


class DeprecatedGrantsTestCase(SecurityTestCase):
    def password_grant(self):
        return self.client.post(
            "/oauth/token/",
            {
                "grant_type": "password",
                "username": "alice",
                "password": "password",
                "client_id": self.app.client_id,
                "client_secret": self.secret,
            },
        )

    def test_it_refuses_the_password_grant_with_real_credentials(self):
        r = self.password_grant()
        self.assertEqual(r.status_code, 400)
        self.assertIn("Unsupported grant_type", r.json()["error"])
        with rfc_dialect():
            r = self.password_grant()
        self.assertEqual(r.json()["error"], "unsupported_grant_type")
        self.assertFalse(AccessToken.objects.exists())

    def test_it_refuses_response_types_that_issue_tokens_from_the_authorization_endpoint(self):
        self.client.force_login(self.bob)
        for response_type in ("token", "code token", "id_token token", "code id_token"):
            with self.subTest(response_type):
                r = self.client.post(
                    self.authorize_url(response_type=response_type), {"authorize": "1"}
                )
                self.assertContains(r, "only code is supported", status_code=400)
                self.assertNotIn("Location", r)
        self.assertFalse(AccessToken.objects.exists())
        metadata = self.client.get("/.well-known/oauth-authorization-server").json()
        self.assertNotIn("password", metadata["grant_types_supported"])
        self.assertNotIn("implicit", metadata["grant_types_supported"])


# ---- RFC 9700 §4.15: a client cannot pass for a resource owner ---------------------------


class ClientImpersonationTestCase(SecurityTestCase):
    def test_it_issues_client_credentials_tokens_that_carry_no_user(self):
        token = self.client_credentials_token()
        self.assertIsNone(AccessToken.objects.get(token_checksum=digest(token)).user)
        who = self.whoami(token).json()
        self.assertEqual((who["is_authenticated"], who["username"]), (False, None))
        self.assertEqual(who["application"]["client_id"], self.app.client_id)
        body = self.introspect(token).json()
        self.assertIs(body["active"], True)
        self.assertNotIn("username", body)
        self.assertNotIn("sub", body)

    def test_it_never_lets_a_client_choose_its_client_id(self):
        r = self.client.post(
            "/api/v1/apps",
            {"client_name": "Chosen Id", "redirect_uris": REDIRECT_URI, "client_id": "alice"},
        )
        self.assertEqual(r.status_code, 200, r.content)
        self.assertNotEqual(r.json()["client_id"], "alice")
        self.client.force_login(self.bob)
        self.client.post(
            "/user/apps/new/",
            {
                "name": "Also Chosen",
                "redirect_uris": REDIRECT_URI,
                "client_type": Application.CLIENT_CONFIDENTIAL,
                "allowed_scopes": ["public"],
                "client_id": "alice",
            },
        )
        self.assertTrue(Application.objects.filter(name="Also Chosen").exists())
        self.assertFalse(Application.objects.filter(client_id="alice").exists())


# ---- RFC 6749 §5.1 with §10.3/§10.4/§10.8: responses with credentials are never cached ----


class NoStoreTestCase(SecurityTestCase):
    def test_it_marks_every_token_response_no_store(self):
        issued = self.issue()
        refreshed = self.refresh(issued["refresh_token"])
        self.app.allow_client_credentials = True
        self.app.save()
        app_token = self.client.post(
            "/oauth/token/",
            {
                "grant_type": "client_credentials",
                "client_id": self.app.client_id,
                "client_secret": self.secret,
            },
        )
        responses = {
            "authorization_code": self.exchange(self.get_code()),
            "refresh_token": refreshed,
            "client_credentials": app_token,
            "error": self.exchange("not-a-code"),
            "introspection": self.introspect(issued["access_token"]),
            "revocation": self.revoke("not-a-token"),
        }
        for name, r in responses.items():
            with self.subTest(name):
                self.assertIn(r.status_code, (200, 400))
                self.assertEqual(r["Cache-Control"], "no-store")
        for name in ("authorization_code", "refresh_token", "client_credentials"):
            self.assertEqual(responses[name]["Pragma"], "no-cache")


# ---- RFC 9700 §2.1.1, §4.5, §4.8: PKCE is enforced once a challenge was sent ------------


class PKCEEnforcementTestCase(SecurityTestCase):
    def test_it_enforces_the_verifier_of_a_confidential_clients_challenge(self):
        verifier, challenge = pkce_pair()
        pkce = {"code_challenge": challenge, "code_challenge_method": "S256"}
        r = self.exchange(self.get_code(**pkce))
        self.assertEqual(r.json(), {"success": False, "error": "Missing code_verifier"})
        r = self.exchange(self.get_code(**pkce), code_verifier="w" * 50)
        self.assertEqual(r.json(), {"success": False, "error": "Incorrect code_verifier"})
        self.assertFalse(AccessToken.objects.exists())
        r = self.exchange(self.get_code(**pkce), code_verifier=verifier)
        self.assertEqual(r.status_code, 200, r.content)

    def test_it_gives_a_public_clients_secret_no_weight(self):
        # RFC 6749 §10.1: a public client is not authenticated by a secret; PKCE stays required.
        public, secret = self.make_app(owner=self.alice, name="Phone App", client_type="public")
        _, challenge = pkce_pair()
        code = self.get_code(
            self.bob, public, code_challenge=challenge, code_challenge_method="S256"
        )
        r = self.exchange(code, app=public, secret=secret)
        self.assertEqual(r.json(), {"success": False, "error": "Missing code_verifier"})
        self.assertFalse(AccessToken.objects.exists())


# ---- RFC 9700 §2.2.2, §4.14.2; RFC 6749 §10.4: refresh tokens are bound and rotate --------


class RefreshTokenBindingTestCase(SecurityTestCase):
    def test_it_refuses_a_refresh_token_presented_by_another_client(self):
        issued = self.issue()
        other, other_secret = self.make_app(owner=self.bob, name="Bob's App")
        r = self.client.post(
            "/oauth/token/",
            {
                "grant_type": "refresh_token",
                "client_id": other.client_id,
                "client_secret": other_secret,
                "refresh_token": issued["refresh_token"],
            },
        )
        self.assertEqual(r.status_code, 400)
        self.assertEqual(
            r.json()["error"], "Incorrect refresh_token. It may have expired or been revoked"
        )
        self.assertFalse(AccessToken.objects.filter(application=other).exists())
        self.assertEqual(self.refresh(issued["refresh_token"]).status_code, 200)

    def test_it_refuses_a_refresh_that_widens_the_scope(self):
        issued = self.issue(scope="public")
        r = self.refresh(issued["refresh_token"], scope="public email")
        self.assertEqual(r.status_code, 400, r.content)
        self.assertIs(r.json()["success"], False)
        with rfc_dialect():
            r = self.refresh(issued["refresh_token"], scope="public email")
        self.assertEqual((r.status_code, r.json()["error"]), (400, "invalid_scope"))
        self.assertEqual(AccessToken.objects.count(), 1)
        r = self.refresh(issued["refresh_token"], scope="public")
        self.assertEqual((r.status_code, r.json()["scope"]), (200, "public"))

    def test_it_rotates_a_public_clients_refresh_token_and_revokes_the_family_on_reuse(self):
        public, _ = self.make_app(owner=self.alice, name="Phone App", client_type="public")
        verifier, challenge = pkce_pair()
        code = self.get_code(
            self.bob, public, code_challenge=challenge, code_challenge_method="S256"
        )
        self.client.logout()

        def post(**data):
            return self.client.post("/oauth/token/", {"client_id": public.client_id, **data})

        first = post(grant_type="authorization_code", code=code, code_verifier=verifier).json()
        second = post(grant_type="refresh_token", refresh_token=first["refresh_token"]).json()
        self.assertNotEqual(second["refresh_token"], first["refresh_token"])
        self.assertEqual(self.whoami(second["access_token"]).status_code, 200)
        RefreshToken.objects.filter(revoked__isnull=False).update(
            revoked=timezone.now() - timedelta(seconds=11)
        )
        r = post(grant_type="refresh_token", refresh_token=first["refresh_token"])
        self.assertEqual(r.status_code, 400)
        self.assertEqual(self.whoami(second["access_token"]).status_code, 403)
        r = post(grant_type="refresh_token", refresh_token=second["refresh_token"])
        self.assertEqual(r.status_code, 400)
        self.assertTrue(AuditEntry.objects.filter(action=AuditEntry.Action.REFRESH_REUSE).exists())


# ---- RFC 9700 §4.3.2 (RFC 6750 §2.3): no access tokens in the query string -------------


class TokenTransportTestCase(SecurityTestCase):
    def test_it_ignores_an_access_token_in_the_query_string(self):
        token = self.issue()["access_token"]
        r = self.client.get(f"/api/whoami/?access_token={token}")
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.json(), {"is_authenticated": False, "username": None})


# ---- RFC 9700 §4.13: headers a client can forge are not trusted -------------------------


class ForwardedHeadersTestCase(SecurityTestCase):
    @oauthapps_settings(RATE_LIMITS={"client_auth_failures_per_ip": "2/m"})
    def test_it_does_not_let_x_forwarded_for_escape_the_rate_limits(self):
        self.app.allow_client_credentials = True
        self.app.save()
        statuses = [
            self.client.post(
                "/oauth/token/",
                {
                    "grant_type": "client_credentials",
                    "client_id": self.app.client_id,
                    "client_secret": "wrong",
                },
                REMOTE_ADDR="10.0.0.1",
                HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
                HTTP_X_REAL_IP=f"198.51.100.{n}",
            ).status_code
            for n in range(3)
        ]
        self.assertEqual(statuses, [400, 400, 429])

    def test_it_records_the_connecting_address_not_a_forwarded_one(self):
        self.client.force_login(self.bob)
        self.client.post(
            self.authorize_url(),
            {"authorize": "1"},
            REMOTE_ADDR="10.0.0.7",
            HTTP_X_FORWARDED_FOR="203.0.113.9",
        )
        entry = AuditEntry.objects.get(action=AuditEntry.Action.AUTHORIZATION_GRANTED)
        self.assertEqual(entry.ip_address, "10.0.0.7")


# ---- RFC 7009 -----------------------------------------------------------------------------


class RevocationTestCase(SecurityTestCase):
    def test_it_finds_the_token_whatever_the_hint_says(self):
        # RFC 7009 §2.1: a wrong hint MUST NOT stop the search.
        for token_kind, hint in (
            ("access_token", "refresh_token"),
            ("refresh_token", "access_token"),
            ("access_token", "something_else"),
        ):
            with self.subTest(token=token_kind, hint=hint):
                issued = self.issue()
                r = self.revoke(issued[token_kind], token_type_hint=hint)
                self.assertEqual((r.status_code, r.json()), (200, {}))
                self.assertEqual(self.whoami(issued["access_token"]).status_code, 403)
                self.assertEqual(self.refresh(issued["refresh_token"]).status_code, 400)

    def test_it_answers_200_for_invalid_unknown_and_already_revoked_tokens(self):
        issued = self.issue()
        self.revoke(issued["access_token"])
        for token in ("x" * 5000, "not-a-token", issued["access_token"], issued["refresh_token"]):
            with self.subTest(token=token[:20]):
                r = self.revoke(token)
                self.assertEqual((r.status_code, r.json()), (200, {}))

    def test_it_lets_a_public_client_revoke_only_its_own_tokens(self):
        public, _ = self.make_app(owner=self.alice, name="Phone App", client_type="public")
        verifier, challenge = pkce_pair()
        code = self.get_code(
            self.bob, public, code_challenge=challenge, code_challenge_method="S256"
        )
        own = self.client.post(
            "/oauth/token/",
            {
                "grant_type": "authorization_code",
                "client_id": public.client_id,
                "code": code,
                "code_verifier": verifier,
            },
        ).json()
        theirs = self.issue()
        self.client.logout()
        r = self.client.post(
            "/oauth/revoke", {"client_id": public.client_id, "token": theirs["access_token"]}
        )
        self.assertEqual(r.status_code, 403)
        self.assertEqual(self.whoami(theirs["access_token"]).status_code, 200)
        r = self.client.post(
            "/oauth/revoke", {"client_id": public.client_id, "token": own["access_token"]}
        )
        self.assertEqual((r.status_code, r.json()), (200, {}))
        self.assertEqual(self.whoami(own["access_token"]).status_code, 403)


class ClientAuthenticationErrorsTestCase(SecurityTestCase):
    def test_it_answers_wrong_client_credentials_with_401_invalid_client(self):
        # RFC 7009 §2.2.1 and RFC 7662 §2.3: RFC 6749 §5.2 errors.
        issued = self.issue()
        for path in ("/oauth/revoke", "/oauth/introspect"):
            with self.subTest(path):
                r = self.client.post(
                    path,
                    {
                        "client_id": self.app.client_id,
                        "client_secret": "wrong",
                        "token": issued["access_token"],
                    },
                )
                self.assertEqual(r.status_code, 401)
                self.assertEqual(r.json()["error"], "invalid_client")
                self.assertIn("WWW-Authenticate", r)
        self.assertEqual(self.whoami(issued["access_token"]).status_code, 200)


# ---- RFC 7662 -----------------------------------------------------------------------------


class IntrospectionTestCase(SecurityTestCase):
    def test_it_refuses_a_public_client_without_a_secret(self):
        # RFC 7662 §2.1/§4: introspection needs client authentication; a public client has
        # none, so it cannot introspect at all (not even its own tokens).
        public, _ = self.make_app(owner=self.alice, name="Phone App", client_type="public")
        r = self.client.post(
            "/oauth/introspect", {"client_id": public.client_id, "token": "anything"}
        )
        self.assertEqual(r.status_code, 401)
        self.assertEqual(r.json()["error"], "invalid_client")

    def test_it_describes_an_active_token_with_the_rfc_7662_members(self):
        issued = self.issue(self.bob)
        r = self.introspect(issued["access_token"])
        self.assertEqual(r["Content-Type"], "application/json")
        body = r.json()
        self.assertIs(body["active"], True)
        self.assertEqual(body["scope"], "public")
        self.assertEqual(body["client_id"], self.app.client_id)
        self.assertEqual(body["username"], "bob")
        self.assertEqual(body["sub"], str(self.bob.pk))
        self.assertEqual(body["token_type"], "Bearer")
        self.assertIsInstance(body["iat"], int)
        self.assertIsInstance(body["exp"], int)
        self.assertAlmostEqual(body["exp"] - body["iat"], 3600, delta=2)

    def test_it_finds_the_token_whatever_the_hint_says(self):
        issued = self.issue()
        r = self.introspect(issued["refresh_token"], token_type_hint="access_token").json()
        self.assertEqual((r["active"], r["token_type"]), (True, "refresh_token"))
        r = self.introspect(issued["access_token"], token_type_hint="refresh_token").json()
        self.assertEqual((r["active"], r["token_type"]), (True, "Bearer"))

    def test_it_says_only_active_false_for_inactive_tokens(self):
        # RFC 7662 §2.2: no further information about an inactive token.
        expired = self.issue()
        AccessToken.objects.update(expires=timezone.now() - timedelta(seconds=1))
        rotated = self.issue()
        self.refresh(rotated["refresh_token"])
        revoked = self.issue()
        self.revoke(revoked["access_token"])
        old = self.issue()
        RefreshToken.objects.filter(
            access_token__token_checksum=digest(old["access_token"])
        ).update(created=timezone.now() - timedelta(days=7, seconds=1))
        cases = {
            "expired access token": expired["access_token"],
            "rotated-out refresh token": rotated["refresh_token"],
            "revoked access token": revoked["access_token"],
            "refresh token revoked with its access token": revoked["refresh_token"],
            "refresh token older than its lifetime": old["refresh_token"],
            "unknown token": "not-a-token",
            "empty token": "",
        }
        for name, token in cases.items():
            with self.subTest(name):
                r = self.introspect(token)
                self.assertEqual((r.status_code, r.json()), (200, INACTIVE))

    def test_it_says_active_false_for_a_token_the_api_refuses(self):
        # RFC 7662 §4: every check the token's use would meet, here the application's approval.
        server, server_secret = self.make_app(
            owner=self.charlie, name="Resource Server", is_resource_server=True
        )
        issued = self.issue(self.bob)
        self.app.approved = False
        self.app.save()
        self.assertEqual(self.whoami(issued["access_token"]).status_code, 403)
        r = self.introspect(issued["access_token"], server, server_secret)
        self.assertEqual(r.json(), INACTIVE)

    def test_it_accepts_only_post(self):
        token = self.issue()["access_token"]
        r = self.client.get(
            "/oauth/introspect",
            {"token": token, "client_id": self.app.client_id, "client_secret": self.secret},
        )
        self.assertEqual(r.status_code, 405)
        self.assertNotIn(b"active", r.content)
