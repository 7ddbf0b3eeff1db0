"""Reads (oauthapps/selectors.py): an unapproved application exists only for its owner, so
its own tokens are dead everywhere (`usable_by_holder`, `find_access_token`, `is_live`)."""

from oauthapps.models import AccessToken
from tests.base import BaseTestCase

# ---- issue 11, attack 5: unapproved applications --------------------------------------------


class UnapprovedApplicationTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.app.allow_client_credentials = True
        self.app.save()
        self.server, self.server_secret = self.add_app("resource_server")

    def client_credentials(self):
        return self.client.post(
            "/oauth/token/",
            {
                "grant_type": "client_credentials",
                "client_id": self.app.client_id,
                "client_secret": self.secret,
            },
        )

    def unapprove(self):
        self.app.approved = False
        self.app.save()

    def test_an_unapproved_application_gets_no_client_credentials_token(self):
        self.unapprove()
        r = self.client_credentials()
        self.assertEqual(
            r.json(), {"success": False, "error": "client_id and/or client_secret is incorrect"}
        )
        self.assertFalse(AccessToken.objects.exists())

    def test_an_unapproved_applications_own_tokens_stop_working_at_once(self):
        token = self.client_credentials().json()["access_token"]
        self.unapprove()
        r = self.client.get("/api/whoami/", HTTP_AUTHORIZATION=f"Bearer {token}")
        self.assertEqual(r.json(), {"success": False, "error": "Unknown API token"})
        for client, secret in ((self.app, self.secret), (self.server, self.server_secret)):
            r = self.client.post(
                "/oauth/introspect",
                {"client_id": client.client_id, "client_secret": secret, "token": token},
            )
            self.assertEqual(r.json(), {"active": False}, client.name)
        r = self.client.get("/oauth/userinfo/", HTTP_AUTHORIZATION=f"Bearer {token}")
        self.assertEqual(r.status_code, 401)

    def test_the_owner_keeps_signing_in_with_an_unapproved_application(self):
        self.unapprove()
        r = self.exchange(self.get_code(self.alice))
        self.assertEqual(r.status_code, 200, r.content)
        token = r.json()["access_token"]
        r = self.client.get("/api/whoami/", HTTP_AUTHORIZATION=f"Bearer {token}")
        self.assertEqual(r.json()["username"], "alice")
