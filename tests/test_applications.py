"""The "My applications" settings pages under /user/apps/ (oauthapps/views/applications.py):
list, create, edit, regenerate, revoke all, delete."""

import re
from unittest import mock

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.contrib.messages import get_messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError
from django.test import Client, override_settings
from django.utils.html import escape

from oauthapps import services
from oauthapps.models import TITLE_TAKEN, AccessToken, Application, RefreshToken
from tests.base import REDIRECT_URI, BaseTestCase

WRONG_CLIENT = {"success": False, "error": "client_id and/or client_secret is incorrect"}
UNKNOWN_TOKEN = {"success": False, "error": "Unknown API token"}


def valid_data(**changes) -> dict:
    data = {
        "name": "New Application",
        "description": "Does useful things.",
        "redirect_uris": "https://new.example.com/callback\r\nhttp://127.0.0.1/cb",
        "client_type": Application.CLIENT_CONFIDENTIAL,
        "allowed_scopes": ["public", "email"],
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


class ManageTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.original_hash = self.app.client_secret

    def app_urls(self, app: Application | None = None) -> list[str]:
        pk = (app or self.app).pk
        return [
            f"/user/apps/{pk}/edit/",
            f"/user/apps/{pk}/regenerate/",
            f"/user/apps/{pk}/revoke-all/",
            f"/user/apps/{pk}/delete/",
        ]

    def messages_of(self, response) -> list[str]:
        return [str(m) for m in get_messages(response.wsgi_request)]

    def row_of(self, content: str, app: Application) -> str:
        match = re.search(rf'<tr id="app-{app.pk}">(.*?)</tr>', content, re.S)
        self.assertIsNotNone(match, f"no row for {app.name}")
        return match.group(1)

    def create(self, **changes):
        self.client.force_login(self.alice)
        return self.client.post("/user/apps/new/", valid_data(**changes))


class LoginTestCase(ManageTestCase):
    def test_it_requires_login_for_every_page(self):
        for url in ["/user/apps/", "/user/apps/new/", *self.app_urls()]:
            for method in (self.client.get, self.client.post):
                with self.subTest(url=url, method=method.__name__):
                    response = method(url)
                    self.assertRedirects(
                        response, f"/accounts/login/?next={url}", fetch_redirect_response=False
                    )
        self.app.refresh_from_db()
        self.assertEqual(self.app.client_secret, self.original_hash)

    def test_it_requires_a_csrf_token_to_change_anything(self):
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.alice)
        response = client.post(f"/user/apps/{self.app.pk}/delete/")
        self.assertEqual(response.status_code, 403)
        self.assertTrue(Application.objects.filter(pk=self.app.pk).exists())


class ListTestCase(ManageTestCase):
    def test_it_lists_own_applications_only(self):
        bobs, _ = self.make_app(owner=self.bob, name="Bob's Tool")
        self.client.force_login(self.alice)
        response = self.client.get("/user/apps/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Alice&#x27;s App")
        self.assertContains(response, self.app.client_id)
        self.assertContains(response, "Confidential")
        self.assertNotContains(response, "Bob&#x27;s Tool")
        self.assertNotContains(response, bobs.client_id)
        self.assertContains(response, 'href="/user/apps/new/"')
        for url in self.app_urls():
            self.assertContains(response, f'href="{url}"')

    def test_it_shows_staff_only_their_own_applications(self):
        self.client.force_login(self.charlie)
        response = self.client.get("/user/apps/")
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, self.app.client_id)
        self.assertContains(response, "You have no applications yet.")

    def test_it_shows_the_unapproved_and_verified_badges(self):
        unapproved, _ = self.make_app(owner=self.alice, name="Unapproved One", approved=False)
        Application.objects.filter(pk=self.app.pk).update(verified=True)
        self.client.force_login(self.alice)
        content = self.client.get("/user/apps/").content.decode()
        approved_row = self.row_of(content, self.app)
        unapproved_row = self.row_of(content, unapproved)
        self.assertIn(">Verified<", approved_row)
        self.assertNotIn(">Unapproved<", approved_row)
        self.assertIn(">Unapproved<", unapproved_row)
        self.assertNotIn(">Verified<", unapproved_row)

    def test_it_shows_the_number_of_users(self):
        self.get_token(self.alice)
        self.get_token(self.bob)
        self.get_token(self.bob)  # the same person twice counts once
        self.client.force_login(self.alice)
        content = self.client.get("/user/apps/").content.decode()
        self.assertIn('<td class="user-count">2</td>', self.row_of(content, self.app))

    def test_it_shows_the_client_type_of_public_clients(self):
        public, _ = self.add_app("public_app")
        self.client.force_login(self.alice)
        content = self.client.get("/user/apps/").content.decode()
        self.assertIn("<td>Public</td>", self.row_of(content, public))
        self.assertIn('<td class="user-count">0</td>', self.row_of(content, public))


class CreateTestCase(ManageTestCase):
    def test_it_shows_the_form(self):
        self.client.force_login(self.alice)
        response = self.client.get("/user/apps/new/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, '<label for="id_name">Title</label>', html=True)
        self.assertContains(response, '<label for="id_redirect_uris">Redirect URIs</label>')
        self.assertContains(response, "Server-side application (confidential, has a secret)")
        self.assertContains(
            response, "Native or browser application (public, uses PKCE, no secret)"
        )
        self.assertContains(response, "Read your email address")
        self.assertContains(response, "csrfmiddlewaretoken")
        # The default scope starts checked.
        self.assertEqual(response.context["form"]["allowed_scopes"].value(), ["public"])

    def test_it_creates_an_application_and_shows_the_secret_once(self):
        response = self.create()
        self.assertEqual(response.status_code, 200)
        self.assertTemplateUsed(response, "oauthapps/app_secret.html")
        self.assertEqual(response["Cache-Control"], "no-store")

        app = Application.objects.get(name="New Application")
        plain = response.context["secret"]
        self.assertEqual(app.user, self.alice)
        self.assertTrue(app.approved)
        self.assertEqual(app.redirect_uris, "https://new.example.com/callback http://127.0.0.1/cb")
        self.assertEqual(app.allowed_scopes, "public email")
        self.assertEqual(app.description, "Does useful things.")
        self.assertFalse(app.allow_client_credentials)
        self.assertEqual(app.authorization_grant_type, Application.GRANT_AUTHORIZATION_CODE)
        self.assertContains(response, app.client_id)
        self.assertContains(response, plain)
        self.assertContains(response, "will not be shown again")
        self.assertContains(response, 'href="/user/apps/"')
        self.assertIn("Created application New Application.", self.messages_of(response))

        # Hashed at rest.
        self.assertNotEqual(app.client_secret, plain)
        self.assertTrue(check_password(plain, app.client_secret))

        # Never shown again.
        for url in ["/user/apps/", *self.app_urls(app)]:
            page = self.client.get(url)
            self.assertEqual(page.status_code, 200)
            self.assertNotContains(page, plain)
            self.assertNotContains(page, app.client_secret)

    def test_it_creates_a_working_client(self):
        response = self.create(redirect_uris=REDIRECT_URI)
        app = Application.objects.get(name="New Application")
        code = self.get_code(app=app)
        token = self.exchange(code, app=app, secret=response.context["secret"])
        self.assertEqual(token.status_code, 200, token.content)

    def test_it_creates_a_public_client(self):
        response = self.create(client_type=Application.CLIENT_PUBLIC)
        self.assertEqual(response.status_code, 200)
        app = Application.objects.get(name="New Application")
        self.assertTrue(app.is_public)
        self.assertContains(response, app.client_id)
        self.assertContains(response, "so it has none")
        self.assertContains(response, "PKCE")
        # RFC 6749 §10.1: no password is issued to a client that cannot keep it.
        self.assertNotContains(response, 'id="client-secret"')
        self.assertNotContains(response, response.context["secret"])

    def test_it_stores_client_credentials_and_one_scope(self):
        self.create(allowed_scopes=["public"], allow_client_credentials="on")
        app = Application.objects.get(name="New Application")
        self.assertEqual(app.allowed_scopes, "public")
        self.assertTrue(app.allow_client_credentials)

    def test_it_refuses_client_credentials_for_public_clients(self):
        response = self.create(client_type=Application.CLIENT_PUBLIC, allow_client_credentials="on")
        self.assertEqual(response.status_code, 200)
        self.assertIn("allow_client_credentials", response.context["form"].errors)
        self.assertFalse(Application.objects.filter(name="New Application").exists())

    @override_settings(OAUTHAPPS={**settings.OAUTHAPPS, "APPROVE_NEW_APPLICATIONS": False})
    def test_it_creates_unapproved_applications_when_configured(self):
        self.create()
        app = Application.objects.get(name="New Application")
        self.assertFalse(app.approved)
        content = self.client.get("/user/apps/").content.decode()
        self.assertIn(">Unapproved<", self.row_of(content, app))

    def test_it_refuses_invalid_redirect_uris(self):
        cases = {
            "http://example.com/cb": "use https",
            "https://example.com/cb#frag": "cannot contain a fragment",
            "javascript:alert(1)": "the javascript scheme is not allowed",
        }
        for uri, message in cases.items():
            with self.subTest(uri=uri):
                response = self.create(redirect_uris=f"{REDIRECT_URI}\n{uri}")
                self.assertEqual(response.status_code, 200)
                self.assertTemplateUsed(response, "oauthapps/app_form.html")
                errors = response.context["form"].errors["redirect_uris"]
                self.assertEqual(len(errors), 1)
                self.assertIn(message, errors[0])
                self.assertIn(uri, errors[0])
                self.assertContains(response, f"<li>{escape(errors[0])}</li>")
                self.assertFalse(Application.objects.filter(name="New Application").exists())

    def test_it_requires_a_redirect_uri(self):
        response = self.create(redirect_uris="  \r\n ")
        self.assertEqual(
            response.context["form"].errors["redirect_uris"], ["Add at least one redirect URI."]
        )
        self.assertFalse(Application.objects.filter(name="New Application").exists())

    def test_it_requires_a_known_scope(self):
        for scopes in ([], ["admin"]):
            with self.subTest(scopes=scopes):
                response = self.create(allowed_scopes=scopes)
                self.assertIn("allowed_scopes", response.context["form"].errors)
                self.assertFalse(Application.objects.filter(name="New Application").exists())

    def test_it_refuses_a_duplicate_title_in_another_case(self):
        response = self.create(name="ALICE'S app")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["form"].errors["name"], [TITLE_TAKEN])
        self.assertContains(response, f"<li>{TITLE_TAKEN}</li>")
        self.assertEqual(Application.objects.count(), 1)

    def test_it_reports_a_title_taken_while_saving_on_the_title(self):
        # Another request took the title between the form's check and the save: the
        # service's own check or the database constraint refuses it.
        for error in (ValidationError({NON_FIELD_ERRORS: [TITLE_TAKEN]}), IntegrityError()):
            with self.subTest(error=type(error).__name__):
                with mock.patch.object(services, "create_application", side_effect=error):
                    response = self.create()
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response.context["form"].errors["name"], [TITLE_TAKEN])
                self.assertEqual(response.context["form"].non_field_errors(), [])
        self.assertEqual(Application.objects.count(), 1)

    def test_it_refuses_a_title_taken_by_another_person(self):
        self.make_app(owner=self.bob, name="Bob's Tool")
        response = self.create(name="bob's tool")
        self.assertEqual(response.context["form"].errors["name"], [TITLE_TAKEN])
        self.assertEqual(Application.objects.count(), 2)

    def test_it_checks_the_title_length(self):
        for name, message in [
            ("Abcd", "at least 5 characters"),
            ("A" * 31, "at most 30 characters"),
            ("", "This field is required."),
        ]:
            with self.subTest(name=name):
                response = self.create(name=name)
                errors = response.context["form"].errors["name"]
                self.assertTrue(any(message in e for e in errors), errors)
                self.assertEqual(Application.objects.count(), 1)
        self.create(name="A" * 30)
        self.create(name="Abcde")
        self.assertEqual(Application.objects.count(), 3)

    def test_it_limits_the_description(self):
        response = self.create(description="x" * 301)
        self.assertIn("description", response.context["form"].errors)
        self.assertEqual(Application.objects.count(), 1)


class EditTestCase(ManageTestCase):
    def test_it_prefills_the_form(self):
        self.app.redirect_uris = f"{REDIRECT_URI} http://localhost/cb"
        self.app.save()
        self.client.force_login(self.alice)
        response = self.client.get(f"/user/apps/{self.app.pk}/edit/")
        self.assertEqual(response.status_code, 200)
        form = response.context["form"]
        self.assertEqual(form["name"].value(), "Alice's App")
        self.assertEqual(form["redirect_uris"].value(), f"{REDIRECT_URI}\nhttp://localhost/cb")
        self.assertEqual(form["allowed_scopes"].value(), ["public", "email"])
        self.assertRegex(response.content.decode(), r'value="email"[^>]*checked')
        self.assertContains(response, self.app.client_id)

    def test_it_saves_changes_and_keeps_the_credentials(self):
        self.client.force_login(self.alice)
        response = self.client.post(
            f"/user/apps/{self.app.pk}/edit/",
            valid_data(name="Alice's Renamed App", allowed_scopes=["public"]),
        )
        self.assertRedirects(response, "/user/apps/", fetch_redirect_response=False)
        self.assertIn("Saved application Alice's Renamed App.", self.messages_of(response))
        client_id = self.app.client_id
        self.app.refresh_from_db()
        self.assertEqual(self.app.name, "Alice's Renamed App")
        self.assertEqual(self.app.allowed_scopes, "public")
        self.assertEqual(
            self.app.redirect_uris, "https://new.example.com/callback http://127.0.0.1/cb"
        )
        self.assertEqual(self.app.client_id, client_id)
        self.assertEqual(self.app.client_secret, self.original_hash)
        self.assertEqual(self.app.user, self.alice)

        # The secret still works.
        code = self.get_code(redirect_uri="https://new.example.com/callback", scope="public")
        response = self.exchange(code, redirect_uri="https://new.example.com/callback")
        self.assertEqual(response.status_code, 200, response.content)

    def test_it_allows_changing_the_case_of_the_own_title(self):
        self.client.force_login(self.alice)
        response = self.client.post(
            f"/user/apps/{self.app.pk}/edit/", valid_data(name="ALICE'S APP")
        )
        self.assertEqual(response.status_code, 302)
        self.app.refresh_from_db()
        self.assertEqual(self.app.name, "ALICE'S APP")

    def test_it_refuses_the_title_of_another_application(self):
        self.make_app(owner=self.bob, name="Bob's Tool")
        self.client.force_login(self.alice)
        response = self.client.post(
            f"/user/apps/{self.app.pk}/edit/", valid_data(name="BOB'S TOOL")
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["form"].errors["name"], [TITLE_TAKEN])
        self.assertContains(response, "<h1>Edit Alice&#x27;s App</h1>", html=True)
        self.app.refresh_from_db()
        self.assertEqual(self.app.name, "Alice's App")

    def test_it_refuses_invalid_redirect_uris(self):
        self.client.force_login(self.alice)
        response = self.client.post(
            f"/user/apps/{self.app.pk}/edit/", valid_data(redirect_uris="javascript:alert(1)")
        )
        self.assertEqual(
            response.context["form"].errors["redirect_uris"],
            ["javascript:alert(1): the javascript scheme is not allowed."],
        )
        self.app.refresh_from_db()
        self.assertEqual(self.app.redirect_uris, REDIRECT_URI)


class AccessTestCase(ManageTestCase):
    def test_it_hides_applications_of_others(self):
        token = self.get_token(self.alice)
        self.client.force_login(self.bob)
        for url in self.app_urls():
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 404)
                self.assertEqual(
                    self.client.post(url, valid_data(name="Bob Was Here")).status_code, 404
                )
        self.app.refresh_from_db()
        self.assertEqual(self.app.name, "Alice's App")
        self.assertEqual(self.app.client_secret, self.original_hash)
        self.assertTrue(AccessToken.objects.filter(application=self.app).exists())
        self.client.logout()
        self.assertEqual(self.whoami(token).status_code, 200)

    def test_it_hides_unapproved_applications_of_others(self):
        Application.objects.filter(pk=self.app.pk).update(approved=False)
        self.client.force_login(self.bob)
        for url in self.app_urls():
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 404)

    def test_it_answers_404_for_missing_applications(self):
        self.client.force_login(self.charlie)
        for url in self.app_urls():
            url = url.replace(f"/{self.app.pk}/", "/999999/")
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 404)

    def test_it_lets_staff_manage_applications_of_others(self):
        self.client.force_login(self.charlie)
        for url in self.app_urls():
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, "Alice&#x27;s App")
        response = self.client.post(
            f"/user/apps/{self.app.pk}/edit/", valid_data(name="Checked By Staff")
        )
        self.assertEqual(response.status_code, 302)
        self.app.refresh_from_db()
        self.assertEqual(self.app.name, "Checked By Staff")
        self.assertEqual(self.app.user, self.alice)

    def test_it_refuses_other_methods(self):
        self.client.force_login(self.alice)
        response = self.client.put(f"/user/apps/{self.app.pk}/delete/")
        self.assertEqual(response.status_code, 405)
        self.assertTrue(Application.objects.filter(pk=self.app.pk).exists())


class RegenerateTestCase(ManageTestCase):
    def test_it_asks_for_confirmation(self):
        self.client.force_login(self.alice)
        response = self.client.get(f"/user/apps/{self.app.pk}/regenerate/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Regenerate the secret of Alice&#x27;s App?")
        self.assertContains(response, 'method="post"')
        self.app.refresh_from_db()
        self.assertEqual(self.app.client_secret, self.original_hash)

    def test_it_replaces_the_secret_at_once(self):
        self.client.force_login(self.alice)
        response = self.client.post(f"/user/apps/{self.app.pk}/regenerate/")
        self.assertEqual(response.status_code, 200)
        self.assertTemplateUsed(response, "oauthapps/app_secret.html")
        self.assertEqual(response["Cache-Control"], "no-store")
        new_secret = response.context["secret"]
        self.assertNotEqual(new_secret, self.secret)
        self.assertContains(response, new_secret)
        self.assertContains(response, self.app.client_id)

        self.app.refresh_from_db()
        self.assertNotEqual(self.app.client_secret, new_secret)
        self.assertTrue(check_password(new_secret, self.app.client_secret))

        old = self.exchange(self.get_code(), secret=self.secret)
        self.assertEqual(old.status_code, 400)
        self.assertEqual(old.json(), WRONG_CLIENT)

        new = self.exchange(self.get_code(), secret=new_secret)
        self.assertEqual(new.status_code, 200, new.content)
        self.assertIn("access_token", new.json())


class PublicRegenerateTestCase(ManageTestCase):
    def test_it_has_no_secret_to_regenerate_for_a_public_application(self):
        app, _ = self.add_app("public_app")
        self.client.force_login(self.alice)
        url = f"/user/apps/{app.pk}/regenerate/"
        self.assertEqual(self.client.get(url).status_code, 404)
        self.assertEqual(self.client.post(url).status_code, 404)


class RevokeAllTestCase(ManageTestCase):
    def test_it_shows_the_number_of_users(self):
        self.get_token(self.alice)
        self.get_token(self.bob)
        self.client.force_login(self.alice)
        response = self.client.get(f"/user/apps/{self.app.pk}/revoke-all/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "<strong>2</strong> users will lose access.")
        self.assertEqual(AccessToken.objects.filter(application=self.app).count(), 2)

    def test_it_revokes_every_token(self):
        alice_token = self.get_token(self.alice)
        bob_token = self.get_token(self.bob)
        other, other_secret = self.make_app(owner=self.bob, name="Bob's Tool")
        other_token = self.exchange(self.get_code(app=other), app=other, secret=other_secret)
        other_token = other_token.json()["access_token"]

        self.client.force_login(self.alice)
        response = self.client.post(f"/user/apps/{self.app.pk}/revoke-all/")
        self.assertRedirects(response, "/user/apps/", fetch_redirect_response=False)
        self.assertIn("Revoked access for 2 users.", self.messages_of(response))
        self.assertFalse(
            RefreshToken.objects.filter(application=self.app, revoked__isnull=True).exists()
        )
        self.client.logout()
        for token in (alice_token, bob_token):
            response = self.whoami(token)
            self.assertEqual(response.status_code, 403)
            self.assertEqual(response.json(), UNKNOWN_TOKEN)
        # Other applications are not touched.
        self.assertEqual(self.whoami(other_token).status_code, 200)

    def test_it_says_one_user(self):
        self.get_token(self.bob)
        self.client.force_login(self.alice)
        response = self.client.get(f"/user/apps/{self.app.pk}/revoke-all/")
        self.assertContains(response, "<strong>1</strong> user will lose access.")
        response = self.client.post(f"/user/apps/{self.app.pk}/revoke-all/")
        self.assertIn("Revoked access for 1 user.", self.messages_of(response))


class DeleteTestCase(ManageTestCase):
    def test_it_asks_for_confirmation(self):
        self.client.force_login(self.alice)
        response = self.client.get(f"/user/apps/{self.app.pk}/delete/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'Delete <span id="app-title">Alice&#x27;s App</span>?')
        self.assertTrue(Application.objects.filter(pk=self.app.pk).exists())

    def test_it_deletes_the_application(self):
        token = self.get_token(self.bob)
        self.client.force_login(self.alice)
        response = self.client.post(f"/user/apps/{self.app.pk}/delete/")
        self.assertRedirects(response, "/user/apps/", fetch_redirect_response=False)
        self.assertIn("Deleted application Alice's App.", self.messages_of(response))
        self.assertFalse(Application.objects.filter(pk=self.app.pk).exists())
        self.assertEqual(self.client.get(f"/user/apps/{self.app.pk}/edit/").status_code, 404)
        self.client.logout()
        self.assertEqual(self.whoami(token).json(), UNKNOWN_TOKEN)
