"""The token endpoint in the ContentDB dialect: the reference's example and every message."""

import base64
import json
from datetime import timedelta

from django.utils import timezone
from django.utils.http import urlencode

from oauthapps.models import AccessToken, AuditEntry, Grant, RefreshToken
from oauthapps.protocol.digests import digest
from tests.base import BaseTestCase, oauthapps_settings, pkce_pair, rfc_dialect

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
        other, other_secret = self.make_app(owner=self.bob, name="Bob's App")
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
        self.public, _ = self.make_app(owner=self.alice, name="Phone App", client_type="public")
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
