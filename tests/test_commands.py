import json
from io import StringIO

from django.core.management import CommandError, call_command
from django.test import SimpleTestCase, override_settings

from accounts.models import User
from oauthapps.models import Application
from tests.base import BaseTestCase


class CreateAppTestCase(BaseTestCase):
    def createapp(self, *args: str) -> dict:
        out = StringIO()
        call_command("createapp", *args, stdout=out)
        return json.loads(out.getvalue())

    def test_it_creates_an_application(self):
        data = self.createapp(
            "--owner=bob",
            "--title=Bob's CLI App",
            "--redirect-uri=https://example.com/callback/",
            "--redirect-uri=http://127.0.0.1/cb",
            "--scopes=public,email",
        )
        self.assertEqual(data["title"], "Bob's CLI App")
        uris = ["https://example.com/callback/", "http://127.0.0.1/cb"]
        self.assertEqual(data["redirect_uris"], uris)
        self.assertEqual(data["scopes"], ["public", "email"])
        self.assertEqual(data["client_type"], "confidential")
        app = Application.objects.get(client_id=data["client_id"])
        self.assertEqual(app.user, self.bob)
        self.assertNotEqual(app.client_secret, data["client_secret"])  # hashed at rest

        response = self.exchange(self.get_code(app=app), app=app, secret=data["client_secret"])
        self.assertEqual(response.status_code, 200, response.content)

    def test_it_creates_a_public_client_with_given_credentials(self):
        data = self.createapp(
            "--owner=bob",
            "--title=Bob's Native App",
            "--redirect-uri=com.example.app:/callback",
            "--public",
            "--client-credentials",
            "--client-id=my-client-id",
            "--client-secret=my-client-secret",
        )
        self.assertEqual(data["client_id"], "my-client-id")
        self.assertEqual(data["client_secret"], "my-client-secret")
        self.assertEqual(data["scopes"], ["public"])
        app = Application.objects.get(client_id="my-client-id")
        self.assertTrue(app.is_public)
        self.assertTrue(app.allow_client_credentials)

    def test_it_reports_errors(self):
        taken = self.app.client_id
        title, uri = "--title=A Fine Title", "--redirect-uri=https://example.com/cb"
        cases = [
            (["--owner=nobody", title, uri], "Unknown owner: nobody"),
            (["--owner=bob", title, "--redirect-uri=http://example.com/"], "redirect_uris: "),
            (["--owner=bob", "--title=alice's app", uri], "application with this title already"),
            (["--owner=bob", "--title=Shrt", uri], "title: Ensure"),
            (["--owner=bob", title, uri, "--scopes=public write"], "Unknown scope: write"),
            (["--owner=bob", title, uri, "--client-id=x"], "must be given together"),
            (
                ["--owner=bob", title, uri, f"--client-id={taken}", "--client-secret=s"],
                "client_id: ",
            ),
        ]
        for args, message in cases:
            with self.subTest(message=message):
                with self.assertRaisesMessage(CommandError, message):
                    call_command("createapp", *args, stdout=StringIO())
        self.assertEqual(Application.objects.count(), 1)


class SeedDemoTestCase(BaseTestCase):
    @override_settings(DEBUG=True)
    def test_it_seeds_idempotently(self):
        out = StringIO()
        call_command("seed_demo", stdout=out)
        call_command("seed_demo", "--port", "8001", stdout=out)
        output = out.getvalue()
        self.assertIn("http://127.0.0.1:8001/oauth/authorize/?response_type=code", output)
        self.assertIn('-F client_secret="demo-client-secret"', output)

        demo = User.objects.get(username="demo")
        self.assertEqual(demo.display_name, "Demo User")
        self.assertTrue(demo.check_password("demo-password"))
        app = Application.objects.get(name="Demo Application")
        self.assertEqual(app.client_id, "demo-client-id")
        self.assertEqual(app.user, demo)
        self.assertEqual(Application.objects.filter(user=demo).count(), 1)

        code = self.get_code(user=demo, app=app)
        response = self.exchange(code, app=app, secret="demo-client-secret")
        self.assertEqual(response.status_code, 200, response.content)

    def test_it_refuses_without_debug(self):
        with self.assertRaisesMessage(CommandError, "DJANGO_DEBUG"):
            call_command("seed_demo", stdout=StringIO())
        self.assertFalse(User.objects.filter(username="demo").exists())

    def test_it_runs_with_force(self):
        call_command("seed_demo", "--force", stdout=StringIO())
        self.assertTrue(Application.objects.filter(client_id="demo-client-id").exists())


class DotCommandsTestCase(SimpleTestCase):
    """DOT's own operator commands point at Gatehouse's instead of bypassing its rules."""

    def test_createapplication_refuses_and_names_createapp(self):
        with self.assertRaisesMessage(CommandError, "manage.py createapp"):
            call_command("createapplication", "confidential", "authorization-code")

    def test_cleartokens_refuses_and_names_cleanup(self):
        with self.assertRaisesMessage(CommandError, "manage.py cleanup"):
            call_command("cleartokens")
