"""Client credentials as the endpoints read them (oauthapps/protocol/parsing.py): malformed
HTTP Basic headers, repeated parameters, and two authentication methods at once."""

from oauthapps.models import AccessToken
from tests.base import BaseTestCase, oauthapps_settings


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


# ---- issue 11, attack 7: two client authentication methods in one request (RFC 6749 §2.3) ---


class TwoAuthenticationMethodsTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.app.allow_client_credentials = True
        self.app.save()

    def basic(self, secret):
        import base64

        pair = f"{self.app.client_id}:{secret}".encode()
        return "Basic " + base64.b64encode(pair).decode()

    def attempts(self):
        # Basic with a wrong secret plus the right secret in the body, and the reverse.
        yield self.basic("wrong"), {"client_secret": self.secret}
        yield self.basic(self.secret), {"client_secret": "wrong"}
        yield self.basic(self.secret), {"client_id": self.app.client_id, "client_secret": "x"}

    def test_two_client_authentication_methods_in_one_request_are_refused(self):
        for dialect, expected in (
            (
                "contentdb",
                (400, {"success": False, "error": "client_id and/or client_secret is incorrect"}),
            ),
            (
                "rfc6749",
                (
                    401,
                    {
                        "error": "invalid_client",
                        "error_description": "client_id and/or client_secret is incorrect",
                    },
                ),
            ),
        ):
            for authorization, body in self.attempts():
                with self.subTest(dialect=dialect, body=body), oauthapps_settings(DIALECT=dialect):
                    response = self.client.post(
                        "/oauth/token/",
                        {"grant_type": "client_credentials", **body},
                        HTTP_AUTHORIZATION=authorization,
                    )
                    self.assertEqual((response.status_code, response.json()), expected)
        self.assertFalse(AccessToken.objects.filter(application=self.app).exists())

    def test_revocation_and_introspection_refuse_two_methods_too(self):
        for path in ("/oauth/revoke", "/oauth/introspect"):
            for authorization, body in self.attempts():
                with self.subTest(path=path, body=body):
                    response = self.client.post(
                        path, {"token": "x", **body}, HTTP_AUTHORIZATION=authorization
                    )
                    self.assertEqual(response.status_code, 401, response.content)
                    self.assertEqual(response.json()["error"], "invalid_client")

    def test_one_method_at_a_time_still_works(self):
        ok = self.client.post(
            "/oauth/token/",
            {"grant_type": "client_credentials"},
            HTTP_AUTHORIZATION=self.basic(self.secret),
        )
        self.assertEqual(ok.status_code, 200)
        ok = self.client.post(
            "/oauth/token/",
            {
                "grant_type": "client_credentials",
                "client_id": self.app.client_id,
                "client_secret": self.secret,
            },
        )
        self.assertEqual(ok.status_code, 200)
