"""Redirect URI rules (oauthapps/protocol/redirect_uris.py): none is registered that the
authorization endpoint would refuse."""

from tests.base import BaseTestCase

# ---- issue 11, attack 9: redirect URIs that can never work ----------------------------------


class UnusableRedirectURITestCase(BaseTestCase):
    UNUSABLE = [
        "https://exämple.com/cb",
        "https://example.com/a\\b",
        'https://example.com/"cb"',
        "https://example.com/<cb>",
        "https://example.com/cb?x=%ZZ",
    ]

    def test_redirect_uris_that_can_never_work_are_refused_at_registration(self):
        for n, uri in enumerate(self.UNUSABLE):
            with self.subTest(uri):
                r = self.client.post(
                    "/api/v1/apps",
                    {"client_name": f"Broken Client {n}", "redirect_uris": [uri]},
                    content_type="application/json",
                )
                self.assertEqual(r.status_code, 422, f"{uri} was registered")
                self.assertIn("redirect_uris", r.json()["error"])

    def test_the_settings_pages_refuse_them_too(self):
        self.client.force_login(self.bob)
        r = self.client.post(
            "/user/apps/new/",
            {
                "name": "Broken Client",
                "redirect_uris": "https://exämple.com/cb",
                "client_type": "confidential",
                "allowed_scopes": ["public"],
            },
        )
        self.assertTemplateNotUsed(r, "oauthapps/app_secret.html", "the settings page accepted it")
        self.assertIn("redirect_uris", r.context["form"].errors)

    def test_idn_hosts_in_their_ascii_form_still_work(self):
        uri = "https://xn--exmple-cua.com/cb"
        app, _ = self.make_app(owner=self.alice, name="IDN Client", redirect_uris=uri)
        self.client.force_login(self.bob)
        r = self.client.post(self.authorize_url(app, redirect_uri=uri), {"authorize": "1"})
        self.assertTrue(r["Location"].startswith(uri + "?code="))
