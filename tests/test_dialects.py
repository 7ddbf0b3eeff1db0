"""miwa.lol and Mastodon: refresh tokens, client credentials, revocation, introspection,
metadata, app registration, force_login, the out-of-band code, delete-token."""

from datetime import timedelta

from django.utils import timezone

from oauthapps.models import AccessToken, Application, RefreshToken
from tests.base import BaseTestCase, oauthapps_settings


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
        # Past the grace period for a client's own concurrent refreshes (tests/test_rotation).
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


class RevokeTestCase(BaseTestCase):
    def revoke(self, token: str, client_id=None, secret=None, **extra):
        data = {
            "client_id": client_id or self.app.client_id,
            "client_secret": secret or self.secret,
        }
        data.update(token=token, **extra)
        return self.client.post("/oauth/revoke", {k: v for k, v in data.items() if v is not None})

    def test_it_revokes_an_access_token_and_is_idempotent(self):
        issued = self.exchange(self.get_code()).json()
        for _ in range(2):
            r = self.revoke(issued["access_token"])
            self.assertEqual((r.status_code, r.json()), (200, {}))
        self.assertFalse(AccessToken.objects.exists())
        self.assertFalse(RefreshToken.objects.filter(revoked__isnull=True).exists())

    def test_it_revokes_the_access_token_with_its_refresh_token(self):
        issued = self.exchange(self.get_code()).json()
        r = self.revoke(issued["refresh_token"], token_type_hint="refresh_token")
        self.assertEqual(r.status_code, 200)
        self.assertFalse(AccessToken.objects.exists())

    def test_it_answers_200_for_an_unknown_token(self):
        self.assertEqual(self.revoke("nope").json(), {})

    def test_it_refuses_another_clients_token_with_403(self):
        other, other_secret = self.make_app(owner=self.bob, name="Bob's App")
        issued = self.exchange(self.get_code()).json()
        r = self.revoke(issued["access_token"], other.client_id, other_secret)
        self.assertEqual(r.status_code, 403)
        self.assertEqual(
            r.json(),
            {
                "error": "unauthorized_client",
                "error_description": "You are not authorized to revoke this token",
            },
        )
        self.assertTrue(AccessToken.objects.exists())

    def test_it_refuses_requests_without_client_credentials(self):
        issued = self.exchange(self.get_code()).json()
        r = self.client.post("/oauth/revoke", {"token": issued["access_token"]})
        self.assertEqual(r.status_code, 403)


class DeleteTokenTestCase(BaseTestCase):
    def test_it_revokes_the_bearer_token(self):
        token = self.get_token()
        r = self.client.delete("/api/delete-token/", HTTP_AUTHORIZATION=f"Bearer {token}")
        self.assertEqual((r.status_code, r.json()), (200, {"success": True}))
        r = self.client.get("/api/whoami/", HTTP_AUTHORIZATION=f"Bearer {token}")
        self.assertEqual(r.status_code, 403)


class IntrospectTestCase(BaseTestCase):
    def introspect(self, token: str, app: Application | None = None, secret: str | None = None):
        app = app or self.app
        data = {"client_id": app.client_id, "client_secret": secret or self.secret, "token": token}
        return self.client.post("/oauth/introspect", data)

    def test_it_describes_the_clients_own_token(self):
        token = self.get_token(self.bob)
        body = self.introspect(token).json()
        self.assertIs(body["active"], True)
        self.assertEqual(body["username"], "bob")
        self.assertEqual(body["client_id"], self.app.client_id)
        self.assertEqual(body["scope"], "public")

    def test_it_hides_other_clients_tokens(self):
        other, other_secret = self.make_app(owner=self.bob, name="Bob's App")
        token = self.get_token()
        self.assertEqual(self.introspect(token, other, other_secret).json(), {"active": False})

    def test_it_shows_every_token_to_a_resource_server(self):
        other, other_secret = self.make_app(
            owner=self.bob, name="Bob's App", is_resource_server=True
        )
        token = self.get_token()
        self.assertIs(self.introspect(token, other, other_secret).json()["active"], True)

    def test_it_requires_client_authentication(self):
        r = self.client.post("/oauth/introspect", {"token": "x"})
        self.assertEqual(r.status_code, 401)


class MetadataTestCase(BaseTestCase):
    def test_it_lists_endpoints_and_capabilities(self):
        body = self.client.get("/.well-known/oauth-authorization-server").json()
        self.assertEqual(body["issuer"], "http://testserver")
        self.assertEqual(body["token_endpoint"], "http://testserver/oauth/token/")
        self.assertEqual(body["code_challenge_methods_supported"], ["S256"])
        self.assertEqual(
            body["grant_types_supported"],
            ["authorization_code", "refresh_token", "client_credentials"],
        )
        self.assertEqual(body["response_types_supported"], ["code"])


class AppRegistrationTestCase(BaseTestCase):
    def test_it_registers_an_application(self):
        r = self.client.post(
            "/api/v1/apps",
            {
                "client_name": "Test Application",
                "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
                "scopes": "public email",
                "website": "https://myapp.example",
            },
        )
        self.assertEqual(r.status_code, 200, r.content)
        body = r.json()
        self.assertEqual(body["name"], "Test Application")
        self.assertEqual(body["redirect_uris"], ["urn:ietf:wg:oauth:2.0:oob"])
        self.assertEqual(body["scopes"], ["public", "email"])
        app = Application.objects.get(client_id=body["client_id"])
        self.assertIsNone(app.user)
        self.assertNotEqual(app.client_secret, body["client_secret"])

    def test_it_accepts_a_json_list_of_redirect_uris(self):
        r = self.client.post(
            "/api/v1/apps",
            {
                "client_name": "JSON Client",
                "redirect_uris": ["https://a.example/cb", "https://b.example/cb"],
            },
            content_type="application/json",
        )
        self.assertEqual(
            r.json()["redirect_uris"], ["https://a.example/cb", "https://b.example/cb"]
        )

    def test_it_refuses_bad_redirect_uris_with_422(self):
        r = self.client.post(
            "/api/v1/apps", {"client_name": "Bad Client", "redirect_uris": "http://evil.example/"}
        )
        self.assertEqual(r.status_code, 422)
        self.assertIn("Validation failed", r.json()["error"])

    @oauthapps_settings(APP_REGISTRATION_RATE="2/h")
    def test_it_limits_registrations_per_ip(self):
        for i in range(2):
            data = {"client_name": f"Client {i}", "redirect_uris": "https://a.example/cb"}
            self.assertEqual(self.client.post("/api/v1/apps", data).status_code, 200)
        r = self.client.post(
            "/api/v1/apps", {"client_name": "Client 3", "redirect_uris": "https://a.example/cb"}
        )
        self.assertEqual(r.status_code, 429)
        self.assertTrue(1 <= int(r["Retry-After"]) <= 3600)  # what is left of the window

    @oauthapps_settings(APP_REGISTRATION_ENABLED=False)
    def test_it_can_be_turned_off(self):
        r = self.client.post(
            "/api/v1/apps", {"client_name": "Client 1", "redirect_uris": "https://a.example/cb"}
        )
        self.assertEqual(r.status_code, 404)


class ForceLoginTestCase(BaseTestCase):
    def test_it_signs_the_person_out_and_asks_again(self):
        self.get_token(self.bob)  # bob already authorized the app
        self.client.force_login(self.bob)
        r = self.client.get(self.authorize_url(force_login="true"))
        self.assertEqual(r.status_code, 302)
        self.assertTrue(r["Location"].startswith("/accounts/login/"))
        self.assertNotIn("force_login", r["Location"])
        r = self.client.post(
            r["Location"], {"username": "bob", "password": "password"}, follow=True
        )
        self.assertContains(r, "Authorize")  # the consent page, not an automatic code


class AuthorizedAppsTestCase(BaseTestCase):
    def test_it_lists_granted_apps_and_revokes_them(self):
        token = self.get_token(self.bob)
        self.client.force_login(self.bob)
        r = self.client.get("/user/authorized-apps/")
        self.assertContains(r, "Alice&#x27;s App")
        self.assertContains(r, "Read your public profile")
        r = self.client.post(f"/user/authorized-apps/{self.app.pk}/revoke/")
        self.assertEqual(r.status_code, 302)
        page = self.client.get("/user/authorized-apps/")
        self.assertContains(page, "can no longer access your account")
        self.assertNotContains(page, f'data-app="{self.app.client_id}"')
        r = self.client.get("/api/whoami/", HTTP_AUTHORIZATION=f"Bearer {token}")
        self.assertEqual(r.status_code, 403)

    def test_it_shows_the_out_of_band_code_page(self):
        oob = "urn:ietf:wg:oauth:2.0:oob"
        app, secret = self.make_app(owner=self.alice, name="Console App", redirect_uris=oob)
        self.client.force_login(self.bob)
        r = self.client.post(self.authorize_url(app, redirect_uri=oob), {"authorize": "1"})
        code = r.context["code"]
        r = self.exchange(code, app=app, secret=secret, redirect_uri=oob)
        self.assertEqual(r.status_code, 200, r.content)


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


class HostileCredentialsTestCase(BaseTestCase):
    """Malformed client credentials get an answer in the endpoint's shape, never a 500."""

    def basic(self, client_id: str, secret: str = "x") -> str:
        import base64

        return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()

    def test_it_answers_a_nul_byte_in_basic_credentials(self):
        header = self.basic("a\x00b")
        r = self.client.post(
            "/oauth/token/",
            {"grant_type": "authorization_code", "code": "x"},
            HTTP_AUTHORIZATION=header,
        )
        self.assertEqual(r.status_code, 400)
        self.assertIs(r.json()["success"], False)
        r = self.client.post("/oauth/introspect", {"token": "x"}, HTTP_AUTHORIZATION=header)
        self.assertEqual(r.status_code, 401)
        r = self.client.post("/oauth/revoke", {"token": "x"}, HTTP_AUTHORIZATION=header)
        self.assertEqual(r.status_code, 401)

    def test_it_answers_repeated_client_ids_at_revoke_and_introspect(self):
        body = f"client_id={self.app.client_id}&client_id=other&client_secret={self.secret}&token=x"
        for path in ("/oauth/revoke", "/oauth/introspect"):
            r = self.client.post(path, body, content_type="application/x-www-form-urlencoded")
            self.assertEqual(r.status_code, 401, path)
            self.assertEqual(r.json()["error"], "invalid_client")
