from oauthapps.models import AccessToken, Application, Grant, RefreshToken
from oauthapps.protocol.digests import digest
from tests.base import BaseTestCase

CHANGELISTS = {
    "application": "/admin/oauthapps/application/",
    "accesstoken": "/admin/oauthapps/accesstoken/",
    "refreshtoken": "/admin/oauthapps/refreshtoken/",
    "grant": "/admin/oauthapps/grant/",
    "idtoken": "/admin/oauthapps/idtoken/",
}


class AdminTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.token = self.get_token()
        self.code = self.get_code()  # an unredeemed code, so the grant list has a row
        self.client.force_login(self.charlie)

    def action(self, model: str, action: str, *pks: int):
        return self.client.post(
            CHANGELISTS[model], {"action": action, "_selected_action": [str(pk) for pk in pks]}
        )

    def test_it_loads_every_changelist(self):
        for model, url in CHANGELISTS.items():
            with self.subTest(model=model):
                self.assertEqual(self.client.get(url).status_code, 200)

    def test_it_searches_applications(self):
        self.make_app(owner=self.bob, name="Bob's Other App")
        for query in ("alice's", "alice", self.app.client_id):
            with self.subTest(query=query):
                response = self.client.get(CHANGELISTS["application"], {"q": query})
                self.assertContains(response, "Alice&#x27;s App")
                self.assertNotContains(response, "Bob&#x27;s Other App")

    def test_it_approves_and_verifies(self):
        other, _ = self.add_app("bob_app", approved=False)
        self.app.approved = False
        self.app.save()

        response = self.action("application", "approve", self.app.pk, other.pk)
        self.assertEqual(response.status_code, 302)
        messages = [str(m) for m in response.wsgi_request._messages]
        self.assertEqual(messages, ["2 applications approved."])
        self.assertEqual(Application.objects.filter(approved=True).count(), 2)

        self.action("application", "verify", self.app.pk)
        self.app.refresh_from_db()
        self.assertTrue(self.app.verified)

        self.action("application", "unverify", self.app.pk)
        self.action("application", "unapprove", self.app.pk)
        self.app.refresh_from_db()
        self.assertFalse(self.app.verified)
        self.assertFalse(self.app.approved)

    def test_it_revokes_access_tokens(self):
        auth = {"HTTP_AUTHORIZATION": f"Bearer {self.token}"}
        self.assertEqual(self.client.get("/api/whoami/", **auth).status_code, 200)

        token = AccessToken.objects.get()
        response = self.action("accesstoken", "revoke", token.pk)
        self.assertEqual(response.status_code, 302)

        self.client.logout()
        response = self.client.get("/api/whoami/", **auth)
        self.assertEqual(response.status_code, 403)
        self.assertEqual(response.json(), {"success": False, "error": "Unknown API token"})
        self.assertIsNotNone(RefreshToken.objects.get().revoked)

    def test_it_revokes_refresh_tokens(self):
        refresh = RefreshToken.objects.get()
        self.action("refreshtoken", "revoke", refresh.pk)
        refresh.refresh_from_db()
        self.assertIsNotNone(refresh.revoked)
        self.assertFalse(AccessToken.objects.exists())

    def test_it_never_shows_secrets(self):
        access = AccessToken.objects.get()
        refresh = RefreshToken.objects.get()
        grant = Grant.objects.first()
        pages = [
            *CHANGELISTS.values(),
            f"/admin/oauthapps/application/{self.app.pk}/change/",
            f"/admin/oauthapps/accesstoken/{access.pk}/change/",
            f"/admin/oauthapps/refreshtoken/{refresh.pk}/change/",
            f"/admin/oauthapps/grant/{grant.pk}/change/",
        ]
        app = Application.objects.get(pk=self.app.pk)
        for url in pages:
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200)
                for secret in (self.token, self.secret, self.code, app.client_secret):
                    self.assertNotContains(response, secret)
        response = self.client.get(CHANGELISTS["accesstoken"])
        self.assertContains(response, access.token_checksum[:8] + "…")
        response = self.client.get(CHANGELISTS["grant"])
        self.assertContains(response, digest(self.code)[:8] + "…")

    def test_it_cannot_add_tokens_or_codes(self):
        for model in ("accesstoken", "refreshtoken", "grant", "idtoken"):
            with self.subTest(model=model):
                self.assertEqual(self.client.get(CHANGELISTS[model] + "add/").status_code, 403)

    def test_it_edits_an_application_without_touching_the_secret(self):
        url = f"/admin/oauthapps/application/{self.app.pk}/change/"
        data = {
            "name": "Alice's Renamed App",
            "description": "",
            "user": self.alice.pk,
            "client_type": Application.CLIENT_CONFIDENTIAL,
            "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
            "redirect_uris": "https://example.com/callback/",
            "allowed_scopes": "public email",
            "approved": "on",
        }
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 302, response.content)
        self.app.refresh_from_db()
        self.assertEqual(self.app.name, "Alice's Renamed App")
        response = self.exchange(self.get_code())
        self.assertEqual(response.status_code, 200, response.content)

    def test_it_redirects_non_staff_to_login(self):
        self.client.force_login(self.bob)
        for url in CHANGELISTS.values():
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 302)
                self.assertTrue(response["Location"].startswith("/admin/login/"))
