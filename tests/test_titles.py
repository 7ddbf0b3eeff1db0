"""Application titles (oauthapps/titles.py): no lookalike of another title or of the
verified badge, on every path that sets one."""

from io import StringIO

from django.core.management import CommandError, call_command

from oauthapps.models import Application
from tests.base import REDIRECT_URI, BaseTestCase

LOOKALIKES = {
    "zero-width space": "Alice Server\u200b",
    "Cyrillic A": "\u0410lice Server",
    "no-break space": "Alice\u00a0Server",
    "right-to-left override": "\u202eAlice Server",
    "verified badge": "Alice Server ✔ Verified",
    "capital I for l": "AIice Server",
    "full-width letters": "Ａｌｉｃｅ Server",
    "extra spaces": "Alice  Server ",
}


class LookalikeTitleTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.make_app(owner=self.alice, name="Alice Server")

    def register(self, name):
        return self.client.post(
            "/api/v1/apps",
            {"client_name": name, "redirect_uris": "https://example.com/cb"},
            content_type="application/json",
        )

    def test_lookalike_titles_are_refused_at_registration(self):
        for case, name in LOOKALIKES.items():
            with self.subTest(case):
                r = self.register(name)
                self.assertEqual(r.status_code, 422, f"{name!r} was accepted")
                self.assertTrue(r.json()["error"].startswith("Validation failed: client_name"))
        self.assertEqual(Application.objects.count(), 2)

    def test_badge_imitations_are_refused_whatever_else_the_title_says(self):
        names = ("Official Tool", "Vеrified Tool", "Tool ✓", "Tool ☑", "Tool ✅", "TRUSTED app")
        for name in names:
            with self.subTest(name):
                self.assertEqual(self.register(name).status_code, 422, f"{name!r} was accepted")

    def test_lookalike_titles_are_refused_on_every_path(self):
        name = "\u0410lice Server"
        self.client.force_login(self.bob)
        r = self.client.post(
            "/user/apps/new/",
            {
                "name": name,
                "redirect_uris": REDIRECT_URI,
                "client_type": "confidential",
                "allowed_scopes": ["public"],
            },
        )
        self.assertTemplateNotUsed(r, "oauthapps/app_secret.html", "the settings page accepted it")
        self.assertIn("name", r.context["form"].errors)
        with self.assertRaises(CommandError):
            call_command(
                "createapp",
                "--owner=bob",
                f"--title={name}",
                f"--redirect-uri={REDIRECT_URI}",
                stdout=StringIO(),
            )
        self.client.force_login(self.charlie)
        change = f"/admin/oauthapps/application/{self.app.pk}/change/"
        data = {
            "name": name,
            "description": "",
            "user": str(self.alice.pk),
            "client_type": "confidential",
            "authorization_grant_type": "authorization-code",
            "redirect_uris": REDIRECT_URI,
            "allowed_scopes": "public",
            "approved": "on",
        }
        r = self.client.post(change, data)
        self.assertEqual(r.status_code, 200)
        self.assertIn("name", r.context["adminform"].form.errors)
        self.assertEqual(Application.objects.filter(name=name).count(), 0)

    def test_ordinary_titles_are_still_accepted(self):
        for name in ("Bob's Tool", "Café Übersicht", "Ünïcode Äpp 2", "Сервер Боба"):
            with self.subTest(name):
                self.assertEqual(self.register(name).status_code, 200, name)

    def test_an_anonymously_registered_application_carries_a_caution(self):
        client_id = self.register("Stranger Tool").json()["client_id"]
        anonymous = Application.objects.get(client_id=client_id)
        self.client.force_login(self.bob)
        r = self.client.get(self.authorize_url(anonymous, redirect_uri="https://example.com/cb"))
        self.assertContains(r, "This application was registered anonymously.")
        self.assertNotContains(self.client.get(self.authorize_url()), "registered anonymously")
