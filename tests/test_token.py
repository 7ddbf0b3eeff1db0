"""POST /oauth/token/ (oauthapps/views/token.py): the reference's example and every message
in the ContentDB dialect, the RFC dialect, the authorization code grant (codes short-lived,
single-use, bound to client, redirect URI and PKCE challenge), the refresh token grant
(bound, rotated, reuse detected), client credentials, and no-store on every answer."""

import base64
import json
from datetime import timedelta
from unittest import mock

from django.conf import settings
from django.utils import timezone
from django.utils.http import urlencode

from oauthapps.models import AccessToken, AuditEntry, Grant, RefreshToken
from oauthapps.protocol.digests import digest
from tests.base import (
    BaseTestCase,
    RotatedPairTestCase,
    live_access_tokens,
    live_refresh_tokens,
    oauthapps_settings,
    pkce_pair,
    rfc_dialect,
)

CONTENTDB_ERRORS = {
    "unsupported": "Unsupported grant_type, only authorization_code is supported",
    "client_id": "Missing client_id",
    "client_secret": "Missing client_secret",
    "code": "Missing code",
    "incorrect_client": "client_id and/or client_secret is incorrect",
    "incorrect_code": "Incorrect code. It may have already been redeemed",
}


class ContentDBExampleTestCase(BaseTestCase):
    def test_it_exchanges_a_code_sent_as_multipart_like_curl_f(self):
        # curl -X POST .../oauth/token/ -F grant_type=authorization_code -F client_id=...
        r = self.client.post(
            "/oauth/token/",
            {
                "grant_type": "authorization_code",
                "client_id": self.app.client_id,
                "client_secret": self.secret,
                "code": self.get_code(),
            },
        )  # the test client sends multipart/form-data, as curl -F does
        self.assertEqual(r.status_code, 200, r.content)
        body = r.json()
        self.assertIs(body["success"], True)
        self.assertEqual(body["token_type"], "Bearer")
        self.assertEqual(body["expires_in"], 3600)
        self.assertEqual(body["scope"], "public")
        self.assertIsInstance(body["created_at"], int)
        self.assertGreaterEqual(len(body["access_token"]), 40)
        self.assertIn("refresh_token", body)
        self.assertEqual(r["Cache-Control"], "no-store")
        self.assertEqual(r["Content-Type"], "application/json")

    def test_it_accepts_urlencoded_bodies(self):
        r = self.client.post(
            "/oauth/token/",
            urlencode(
                {
                    "grant_type": "authorization_code",
                    "client_id": self.app.client_id,
                    "client_secret": self.secret,
                    "code": self.get_code(),
                }
            ),
            content_type="application/x-www-form-urlencoded",
        )
        self.assertEqual(r.status_code, 200, r.content)

    def test_it_answers_on_every_documented_path(self):
        for path in ("/oauth/token/", "/oauth/token", "/api/oauth2/token"):
            data = {
                "grant_type": "authorization_code",
                "client_id": self.app.client_id,
                "client_secret": self.secret,
                "code": self.get_code(),
            }
            r = self.client.post(path, data)
            self.assertEqual(r.status_code, 200, path)

    def test_it_issues_a_token_that_whoami_accepts(self):
        token = self.exchange(self.get_code(self.bob)).json()["access_token"]
        self.client.logout()
        r = self.client.get("/api/whoami/", HTTP_AUTHORIZATION=f"Bearer {token}")
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.json()["username"], "bob")

    def test_it_reads_grant_type_from_the_query_string(self):
        code = self.get_code()
        r = self.client.post(
            "/oauth/token/?grant_type=authorization_code",
            {"client_id": self.app.client_id, "client_secret": self.secret, "code": code},
        )
        self.assertEqual(r.status_code, 200, r.content)

    def test_it_defaults_a_missing_grant_type_to_authorization_code(self):
        r = self.exchange(self.get_code(), grant_type=None)
        self.assertEqual(r.status_code, 200, r.content)

    def test_it_accepts_http_basic_client_authentication(self):
        credentials = base64.b64encode(f"{self.app.client_id}:{self.secret}".encode()).decode()
        r = self.client.post(
            "/oauth/token/",
            {"grant_type": "authorization_code", "code": self.get_code()},
            HTTP_AUTHORIZATION=f"Basic {credentials}",
        )
        self.assertEqual(r.status_code, 200, r.content)

    def test_it_accepts_the_redirect_uri_when_sent_as_miwa_does(self):
        r = self.exchange(self.get_code(), redirect_uri="https://example.com/callback/")
        self.assertEqual(r.status_code, 200, r.content)


class ContentDBErrorsTestCase(BaseTestCase):
    def assertError(self, response, message: str) -> None:
        self.assertEqual(response.status_code, 400, response.content)
        self.assertEqual(response.json(), {"success": False, "error": message})
        self.assertEqual(response["Cache-Control"], "no-store")

    @oauthapps_settings(GRANT_TYPES=["authorization_code"])
    def test_it_names_the_only_supported_grant_type(self):
        r = self.exchange("abc", grant_type="password")
        self.assertError(r, CONTENTDB_ERRORS["unsupported"])

    def test_it_lists_every_enabled_grant_type(self):
        r = self.exchange("abc", grant_type="implicit")
        self.assertError(
            r,
            "Unsupported grant_type, only authorization_code, refresh_token and "
            "client_credentials are supported",
        )

    def test_it_says_missing_client_id(self):
        r = self.exchange(self.get_code(), client_id=None)
        self.assertError(r, CONTENTDB_ERRORS["client_id"])

    def test_it_says_missing_client_secret(self):
        r = self.exchange(self.get_code(), client_secret=None)
        self.assertError(r, CONTENTDB_ERRORS["client_secret"])

    def test_it_says_missing_client_secret_for_an_unknown_client(self):
        r = self.client.post("/oauth/token/", {"client_id": "nope", "code": "abc"})
        self.assertError(r, CONTENTDB_ERRORS["client_secret"])

    def test_it_says_missing_code(self):
        r = self.exchange(None)
        self.assertError(r, CONTENTDB_ERRORS["code"])

    def test_it_says_the_client_is_incorrect_for_a_wrong_secret(self):
        r = self.exchange(self.get_code(), secret="wrong")
        self.assertError(r, CONTENTDB_ERRORS["incorrect_client"])

    def test_it_says_the_client_is_incorrect_for_an_unknown_client_id(self):
        r = self.client.post(
            "/oauth/token/",
            {
                "grant_type": "authorization_code",
                "client_id": "nope",
                "client_secret": "x",
                "code": "a",
            },
        )
        self.assertError(r, CONTENTDB_ERRORS["incorrect_client"])

    def test_it_says_the_code_is_incorrect(self):
        self.assertError(self.exchange("not-a-code"), CONTENTDB_ERRORS["incorrect_code"])

    def test_it_refuses_a_code_sent_a_second_time_and_revokes_what_it_issued(self):
        code = self.get_code()
        first = self.exchange(code).json()
        self.assertError(self.exchange(code), CONTENTDB_ERRORS["incorrect_code"])
        # RFC 9700 §4.5: the replay revokes the tokens the first redemption issued.
        self.assertFalse(AccessToken.objects.exists())
        self.assertFalse(RefreshToken.objects.filter(revoked__isnull=True).exists())
        whoami = self.client.get(
            "/api/whoami/", HTTP_AUTHORIZATION=f"Bearer {first['access_token']}"
        )
        self.assertEqual(whoami.status_code, 403)
        refresh = self.refresh(first["refresh_token"])
        self.assertEqual(refresh.status_code, 400)
        entry = AuditEntry.objects.get(action=AuditEntry.Action.CODE_REPLAY)
        self.assertEqual(entry.application, self.app)
        self.assertEqual(entry.ip_address, "127.0.0.1")
        self.assertNotIn(code, json.dumps(entry.detail))

    def test_it_refuses_a_replayed_code_even_after_the_tokens_were_refreshed(self):
        code = self.get_code()
        first = self.exchange(code).json()
        second = self.refresh(first["refresh_token"]).json()
        self.assertError(self.exchange(code), CONTENTDB_ERRORS["incorrect_code"])
        whoami = self.client.get(
            "/api/whoami/", HTTP_AUTHORIZATION=f"Bearer {second['access_token']}"
        )
        self.assertEqual(whoami.status_code, 403)

    def test_it_stores_codes_only_as_digests(self):
        code = self.get_code()
        self.assertFalse(Grant.objects.filter(code=code).exists())
        self.assertTrue(Grant.objects.filter(code=digest(code)).exists())

    def test_it_refuses_a_code_issued_to_another_application(self):
        other, other_secret = self.add_app("bob_app")
        code = self.get_code()
        r = self.exchange(code, app=other, secret=other_secret)
        self.assertError(r, CONTENTDB_ERRORS["incorrect_code"])

    def test_it_refuses_an_expired_code(self):
        code = self.get_code()
        Grant.objects.update(expires=timezone.now() - timedelta(seconds=1))
        self.assertError(self.exchange(code), CONTENTDB_ERRORS["incorrect_code"])

    def test_it_refuses_a_different_redirect_uri(self):
        r = self.exchange(self.get_code(), redirect_uri="https://example.com/other/")
        self.assertError(r, "redirect_uri does not match the authorization request")

    def test_it_refuses_a_code_verifier_for_a_code_without_challenge(self):
        verifier, _ = pkce_pair()
        r = self.exchange(self.get_code(), code_verifier=verifier)
        self.assertError(
            r, "Unexpected code_verifier: the authorization request had no code_challenge"
        )

    def test_it_refuses_repeated_parameters(self):
        code = self.get_code()
        body = urlencode(
            [
                ("grant_type", "authorization_code"),
                ("client_id", self.app.client_id),
                ("client_secret", self.secret),
                ("code", code),
                ("code", code),
            ]
        )
        r = self.client.post(
            "/oauth/token/", body, content_type="application/x-www-form-urlencoded"
        )
        self.assertError(r, "Duplicate code parameter")

    def test_it_answers_get_with_a_json_error(self):
        r = self.client.get("/oauth/token/")
        self.assertEqual(r.status_code, 405)
        self.assertEqual(r.json()["success"], False)

    def test_it_refuses_codes_of_unapproved_apps_for_other_people(self):
        code = self.get_code(self.bob)
        self.app.approved = False
        self.app.save()
        self.assertError(self.exchange(code), CONTENTDB_ERRORS["incorrect_code"])


class PKCEExchangeTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.public, _ = self.add_app("public_app")
        self.verifier, self.challenge = pkce_pair()

    def code(self) -> str:
        return self.get_code(
            self.bob, self.public, code_challenge=self.challenge, code_challenge_method="S256"
        )

    def post(self, **data):
        data = {"grant_type": "authorization_code", "client_id": self.public.client_id, **data}
        return self.client.post("/oauth/token/", {k: v for k, v in data.items() if v is not None})

    def test_it_exchanges_a_code_with_the_right_verifier_and_no_secret(self):
        r = self.post(code=self.code(), code_verifier=self.verifier)
        self.assertEqual(r.status_code, 200, r.content)

    def test_it_refuses_a_wrong_verifier(self):
        r = self.post(code=self.code(), code_verifier="w" * 50)
        self.assertEqual(r.json(), {"success": False, "error": "Incorrect code_verifier"})

    def test_it_refuses_a_missing_verifier(self):
        r = self.post(code=self.code())
        self.assertEqual(r.json(), {"success": False, "error": "Missing code_verifier"})


@rfc_dialect()
class RFCDialectTestCase(BaseTestCase):
    def test_it_answers_invalid_client_with_401_and_www_authenticate(self):
        r = self.exchange(self.get_code(), secret="wrong")
        self.assertEqual(r.status_code, 401)
        self.assertEqual(
            r.json(),
            {"error": "invalid_client", "error_description": CONTENTDB_ERRORS["incorrect_client"]},
        )
        self.assertIn("Basic", r["WWW-Authenticate"])

    def test_it_answers_invalid_grant_with_400(self):
        r = self.exchange("nope")
        self.assertEqual(r.status_code, 400)
        self.assertEqual(
            r.json(),
            {"error": "invalid_grant", "error_description": CONTENTDB_ERRORS["incorrect_code"]},
        )

    def test_it_requires_grant_type(self):
        r = self.exchange(self.get_code(), grant_type=None)
        self.assertEqual(r.json()["error"], "invalid_request")

    def test_it_keeps_the_success_body(self):
        r = self.exchange(self.get_code())
        self.assertEqual(r.status_code, 200)
        self.assertIs(r.json()["success"], True)


class RefreshTokenTestCase(BaseTestCase):
    def refresh(self, refresh_token: str, **extra):
        data = {
            "client_id": self.app.client_id,
            "client_secret": self.secret,
            "refresh_token": refresh_token,
            "grant_type": "refresh_token",
            **extra,
        }
        # miwa's example: -H "Content-Type: application/x-www-form-urlencoded" -d ...
        from django.utils.http import urlencode

        return self.client.post(
            "/api/oauth2/token", urlencode(data), content_type="application/x-www-form-urlencoded"
        )

    def test_it_rotates_the_refresh_token(self):
        first = self.exchange(self.get_code()).json()
        r = self.refresh(first["refresh_token"])
        self.assertEqual(r.status_code, 200, r.content)
        second = r.json()
        self.assertNotEqual(second["refresh_token"], first["refresh_token"])
        self.assertNotEqual(second["access_token"], first["access_token"])
        self.assertEqual(second["expires_in"], 3600)
        self.assertEqual(second["scope"], "public")
        self.assertIn("created_at", second)

    def test_it_revokes_the_family_when_a_rotated_out_token_comes_back(self):
        first = self.exchange(self.get_code()).json()
        second = self.refresh(first["refresh_token"]).json()
        # Past the grace period for a client's own concurrent refreshes (RotationTestCase).
        RefreshToken.objects.filter(revoked__isnull=False).update(
            revoked=timezone.now() - timedelta(seconds=11)
        )
        r = self.refresh(first["refresh_token"])
        self.assertEqual(
            r.json(),
            {
                "success": False,
                "error": "Incorrect refresh_token. It may have expired or been revoked",
            },
        )
        self.assertEqual(self.refresh(second["refresh_token"]).status_code, 400)
        self.assertFalse(AccessToken.objects.exists())
        self.assertFalse(RefreshToken.objects.filter(revoked__isnull=True).exists())

    def test_it_refuses_a_refresh_token_older_than_seven_days(self):
        first = self.exchange(self.get_code()).json()
        RefreshToken.objects.update(created=timezone.now() - timedelta(days=7, seconds=1))
        self.assertEqual(self.refresh(first["refresh_token"]).status_code, 400)

    def test_it_says_missing_refresh_token(self):
        r = self.refresh("")
        self.assertEqual(r.json(), {"success": False, "error": "Missing refresh_token"})


class ClientCredentialsTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.app.allow_client_credentials = True
        self.app.save()

    def post(self, **extra):
        data = {
            "grant_type": "client_credentials",
            "client_id": self.app.client_id,
            "client_secret": self.secret,
            **extra,
        }
        return self.client.post("/oauth/token/", data)

    def test_it_issues_an_application_token_without_refresh_token(self):
        r = self.post()
        self.assertEqual(r.status_code, 200, r.content)
        self.assertNotIn("refresh_token", r.json())
        token = r.json()["access_token"]
        who = self.client.get("/api/whoami/", HTTP_AUTHORIZATION=f"Bearer {token}").json()
        self.assertEqual(who["is_authenticated"], False)
        self.assertEqual(who["application"]["client_id"], self.app.client_id)

    def test_it_refuses_applications_not_allowed_to(self):
        self.app.allow_client_credentials = False
        self.app.save()
        self.assertEqual(
            self.post().json()["error"],
            "This application is not allowed to use the client_credentials grant",
        )

    def test_it_names_the_allowed_scopes(self):
        r = self.post(scope="admin")
        self.assertEqual(
            r.json()["error"],
            "Unsupported scope: admin. This application may request only: public, email",
        )


class EveryErrorInBothDialectsTestCase(BaseTestCase):
    """Each token endpoint error: ContentDB body and status, then RFC code and status."""

    CASES = [
        # (data overrides, ContentDB message, RFC error code, RFC status)
        ({"grant_type": "password"}, "Unsupported grant_type", "unsupported_grant_type", 400),
        ({"client_id": None}, "Missing client_id", "invalid_client", 401),
        ({"client_secret": None}, "Missing client_secret", "invalid_client", 401),
        ({"code": None}, "Missing code", "invalid_request", 400),
        (
            {"client_secret": "bad"},
            "client_id and/or client_secret is incorrect",
            "invalid_client",
            401,
        ),
        (
            {"code": "bad"},
            "Incorrect code. It may have already been redeemed",
            "invalid_grant",
            400,
        ),
        (
            {"redirect_uri": "https://example.com/x"},
            "redirect_uri does not match the authorization request",
            "invalid_grant",
            400,
        ),
        (
            {"grant_type": "refresh_token", "refresh_token": "bad"},
            "Incorrect refresh_token. It may have expired or been revoked",
            "invalid_grant",
            400,
        ),
        ({"grant_type": "refresh_token"}, "Missing refresh_token", "invalid_request", 400),
    ]

    def run_case(self, overrides: dict):
        data = {
            "grant_type": "authorization_code",
            "client_id": self.app.client_id,
            "client_secret": self.secret,
            "code": self.get_code(),
            **overrides,
        }
        return self.client.post("/oauth/token/", {k: v for k, v in data.items() if v is not None})

    def test_it_shapes_each_error_for_contentdb(self):
        for overrides, message, _, _ in self.CASES:
            with self.subTest(message):
                r = self.run_case(overrides)
                self.assertEqual(r.status_code, 400)
                self.assertIs(r.json()["success"], False)
                self.assertTrue(r.json()["error"].startswith(message))

    def test_it_shapes_each_error_for_rfc6749(self):
        with oauthapps_settings(DIALECT="rfc6749"):
            for overrides, message, code, status in self.CASES:
                with self.subTest(message):
                    r = self.run_case(overrides)
                    self.assertEqual(r.status_code, status)
                    self.assertEqual(r.json()["error"], code)
                    self.assertTrue(r.json()["error_description"].startswith(message))
                    self.assertNotIn("success", r.json())
                    if status == 401:
                        self.assertIn("Basic", r["WWW-Authenticate"])


class ReferenceRequestsTestCase(BaseTestCase):
    def test_it_answers_miwas_urlencoded_exchange(self):
        from django.utils.http import urlencode

        # curl -X POST https://miwa.lol/api/oauth2/token \\
        #   -H "Content-Type: application/x-www-form-urlencoded" -d "client_id=..." ...
        body = urlencode(
            {
                "client_id": self.app.client_id,
                "client_secret": self.secret,
                "code": self.get_code(),
                "grant_type": "authorization_code",
                "redirect_uri": "https://example.com/callback/",
            }
        )
        r = self.client.post(
            "/api/oauth2/token", body, content_type="application/x-www-form-urlencoded"
        )
        self.assertEqual(r.status_code, 200, r.content)
        self.assertIn("refresh_token", r.json())
        self.assertEqual(r.json()["expires_in"], 3600)

    def test_it_answers_mastodons_token_request_with_scope_and_redirect_uri(self):
        code = self.get_code(scope="public+email")
        r = self.exchange(code, redirect_uri="https://example.com/callback/", scope="public email")
        self.assertEqual(r.status_code, 200, r.content)
        self.assertEqual(r.json()["scope"], "public email")

    def test_it_accepts_scopes_separated_by_commas(self):
        code = self.get_code(scope="public,email")
        self.assertEqual(self.exchange(code).json()["scope"], "public email")


# ---- RFC 6749 §4.1.2, §10.5; RFC 9700 §4.2.4, §4.3.1: codes are short-lived ------------


class CodeLifetimeTestCase(BaseTestCase):
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


class RedirectURIBindingTestCase(BaseTestCase):
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


# ---- RFC 9700 §2.4; RFC 6749 §10.7: no password grant ----------------------------------


class DeprecatedGrantsTestCase(BaseTestCase):
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


# ---- RFC 9700 §4.15: a client cannot pass for a resource owner ---------------------------


class ClientImpersonationTestCase(BaseTestCase):
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


# ---- RFC 6749 §5.1 with §10.3/§10.4/§10.8: responses with credentials are never cached ----


class NoStoreTestCase(BaseTestCase):
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


class PKCEEnforcementTestCase(BaseTestCase):
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
        public, secret = self.add_app("public_app")
        _, challenge = pkce_pair()
        code = self.get_code(
            self.bob, public, code_challenge=challenge, code_challenge_method="S256"
        )
        r = self.exchange(code, app=public, secret=secret)
        self.assertEqual(r.json(), {"success": False, "error": "Missing code_verifier"})
        self.assertFalse(AccessToken.objects.exists())


# ---- RFC 9700 §2.2.2, §4.14.2; RFC 6749 §10.4: refresh tokens are bound and rotate --------


class RefreshTokenBindingTestCase(BaseTestCase):
    def test_it_refuses_a_refresh_token_presented_by_another_client(self):
        issued = self.issue()
        other, other_secret = self.add_app("bob_app")
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
        public, _ = self.add_app("public_app")
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


# ---- issue 11, attack 12: refresh token reuse within seconds --------------------------------


class RefreshReuseTestCase(BaseTestCase):
    def test_a_stolen_refresh_token_replayed_within_seconds_revokes_the_family(self):
        first = self.exchange(self.get_code(self.bob)).json()
        second = self.refresh(first["refresh_token"]).json()
        self.assertEqual(self.refresh(first["refresh_token"]).status_code, 400)
        r = self.refresh(second["refresh_token"])
        self.assertEqual(r.status_code, 400, "the family survived a replay within the grace")
        self.assertEqual(settings.OAUTHAPPS["REFRESH_TOKEN_REUSE_GRACE_SECONDS"], 0)


# ---- refresh token rotation and reuse ----------------------------------------------


class RotationTestCase(RotatedPairTestCase):
    @oauthapps_settings(REFRESH_TOKEN_REUSE_GRACE_SECONDS=10)
    def test_it_refuses_a_just_rotated_token_without_harming_the_new_pair(self):
        second = self.refresh(self.first["refresh_token"]).json()
        r = self.refresh(self.first["refresh_token"])  # a concurrent retry, a moment later
        self.assertEqual(r.status_code, 400)
        self.assertEqual(
            r.json()["error"], "Incorrect refresh_token. It may have expired or been revoked"
        )
        self.assertEqual(self.whoami(second["access_token"]), 200)
        self.assertEqual(self.refresh(second["refresh_token"]).status_code, 200)
        self.assertFalse(AuditEntry.objects.filter(action=AuditEntry.Action.REFRESH_REUSE).exists())

    @oauthapps_settings(REFRESH_TOKEN_REUSE_GRACE_SECONDS=10)
    def test_it_revokes_the_family_and_audits_reuse_after_the_grace_period(self):
        second = self.refresh(self.first["refresh_token"]).json()
        self.age_revocations(11)
        self.assertEqual(self.refresh(self.first["refresh_token"]).status_code, 400)
        self.assertEqual(self.whoami(second["access_token"]), 403)
        self.assertEqual(self.refresh(second["refresh_token"]).status_code, 400)
        self.assertFalse(live_access_tokens().exists())
        self.assertFalse(live_refresh_tokens().exists())
        entry = AuditEntry.objects.get(action=AuditEntry.Action.REFRESH_REUSE)
        self.assertEqual(entry.application, self.app)
        self.assertEqual(entry.detail["user"], "alice")
        self.assertEqual(entry.ip_address, "127.0.0.1")

    @oauthapps_settings(REFRESH_TOKEN_REUSE_GRACE_SECONDS=0)
    def test_it_treats_every_reuse_as_theft_without_a_grace_period(self):
        second = self.refresh(self.first["refresh_token"]).json()
        self.assertEqual(self.refresh(self.first["refresh_token"]).status_code, 400)
        self.assertEqual(self.whoami(second["access_token"]), 403)

    def test_it_leaves_other_families_alone_on_reuse(self):
        other = self.exchange(self.get_code()).json()
        self.refresh(self.first["refresh_token"])
        self.age_revocations(11)
        self.refresh(self.first["refresh_token"])
        self.assertEqual(self.whoami(other["access_token"]), 200)
