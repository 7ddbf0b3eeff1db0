"""POST /api/v1/apps (api/views.py `AppRegistrationView`): Mastodon-style registration
without an account."""

from oauthapps.models import Application
from tests.base import BaseTestCase, oauthapps_settings


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
