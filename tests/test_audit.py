"""The audit log: who did what to which application, from where; and its read-only admin."""

import json

from django.contrib.auth.models import Permission

from accounts.models import User
from oauthapps.models import AccessToken, Application, AuditEntry, RefreshToken
from tests.base import REDIRECT_URI, BaseTestCase, query_of

Action = AuditEntry.Action
AUDIT_LIST = "/admin/oauthapps/auditentry/"


class AuditTestCase(BaseTestCase):
    def entry(self, action: str) -> AuditEntry:
        """The one entry of this kind (fails if there are none or several)."""
        return AuditEntry.objects.get(action=action)

    def assert_entry(
        self, entry: AuditEntry, *, actor: User | None, application: Application, **detail
    ) -> None:
        self.assertEqual(entry.actor, actor)
        self.assertEqual(entry.actor_name, actor.username if actor is not None else "")
        self.assertEqual(entry.application_name, application.name)
        self.assertEqual(entry.client_id, application.client_id)
        self.assertEqual(entry.ip_address, "127.0.0.1")
        self.assertEqual(entry.detail, detail)

    def assert_no_secrets(self, entry: AuditEntry, *secrets: str) -> None:
        stored = json.dumps(
            [entry.detail, entry.actor_name, entry.application_name, entry.client_id]
        )
        for secret in (self.secret, *secrets):
            self.assertTrue(secret)
            self.assertNotIn(secret, stored)


class SettingsPagesTestCase(AuditTestCase):
    def edit_data(self, **changes) -> dict:
        data = {
            "name": self.app.name,
            "description": self.app.description,
            "redirect_uris": REDIRECT_URI,
            "client_type": Application.CLIENT_CONFIDENTIAL,
            "allowed_scopes": ["public", "email"],
        }
        data.update(changes)
        return data

    def test_it_records_an_application_created_on_the_settings_page(self):
        self.client.force_login(self.bob)
        response = self.client.post(
            "/user/apps/new/",
            {
                "name": "Bob's Tool",
                "redirect_uris": "https://bob.example/cb",
                "client_type": Application.CLIENT_CONFIDENTIAL,
                "allowed_scopes": ["public"],
            },
        )
        self.assertEqual(response.status_code, 200)
        app = Application.objects.get(name="Bob's Tool")
        entry = self.entry(Action.APP_CREATED)
        self.assert_entry(entry, actor=self.bob, application=app)
        self.assertEqual(entry.application, app)
        self.assert_no_secrets(entry, response.context["secret"])

    def test_it_records_nothing_for_a_form_with_errors(self):
        self.client.force_login(self.bob)
        response = self.client.post("/user/apps/new/", {"name": "Bob"})
        self.assertEqual(response.status_code, 200)
        self.assertFalse(AuditEntry.objects.exists())

    def test_it_records_which_fields_an_edit_changed(self):
        self.client.force_login(self.alice)
        response = self.client.post(
            f"/user/apps/{self.app.pk}/edit/",
            self.edit_data(
                name="Alice's Renamed App",
                redirect_uris=f"{REDIRECT_URI}\r\nhttps://example.com/other/",
            ),
        )
        self.assertEqual(response.status_code, 302)
        self.app.refresh_from_db()
        entry = self.entry(Action.APP_EDITED)
        self.assert_entry(
            entry, actor=self.alice, application=self.app, fields=["name", "redirect_uris"]
        )
        self.assertEqual(entry.application_name, "Alice's Renamed App")
        self.assert_no_secrets(entry)

    def test_it_records_nothing_for_a_save_that_changes_nothing(self):
        self.client.force_login(self.alice)
        response = self.client.post(f"/user/apps/{self.app.pk}/edit/", self.edit_data())
        self.assertEqual(response.status_code, 302)
        self.assertFalse(AuditEntry.objects.exists())

    def test_it_records_staff_editing_someone_elses_application(self):
        self.client.force_login(self.charlie)
        response = self.client.post(
            f"/user/apps/{self.app.pk}/edit/", self.edit_data(description="Checked by staff.")
        )
        self.assertEqual(response.status_code, 302)
        self.assert_entry(
            self.entry(Action.APP_EDITED),
            actor=self.charlie,
            application=self.app,
            fields=["description"],
        )

    def test_it_records_a_deletion_and_keeps_the_name(self):
        self.client.force_login(self.alice)
        response = self.client.post(f"/user/apps/{self.app.pk}/delete/")
        self.assertEqual(response.status_code, 302)
        self.assertFalse(Application.objects.filter(pk=self.app.pk).exists())
        entry = self.entry(Action.APP_DELETED)
        self.assert_entry(entry, actor=self.alice, application=self.app)
        self.assertIsNone(entry.application)  # the link is cleared, the name and id stay
        self.assert_no_secrets(entry)

    def test_it_records_nothing_when_the_delete_page_is_only_shown(self):
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get(f"/user/apps/{self.app.pk}/delete/").status_code, 200)
        self.assertFalse(AuditEntry.objects.exists())

    def test_it_records_a_regenerated_secret_without_it(self):
        self.client.force_login(self.alice)
        response = self.client.post(f"/user/apps/{self.app.pk}/regenerate/")
        self.assertEqual(response.status_code, 200)
        new_secret = response.context["secret"]
        entry = self.entry(Action.SECRET_REGENERATED)
        self.assert_entry(entry, actor=self.alice, application=self.app)
        self.assert_no_secrets(entry, new_secret)

    def test_it_records_revoking_all_tokens_with_the_number_of_users(self):
        tokens = [self.get_token(self.alice), self.get_token(self.bob)]
        self.client.force_login(self.alice)
        response = self.client.post(f"/user/apps/{self.app.pk}/revoke-all/")
        self.assertEqual(response.status_code, 302)
        self.assertFalse(AccessToken.objects.exists())
        entry = self.entry(Action.TOKENS_REVOKED)
        self.assert_entry(entry, actor=self.alice, application=self.app, users=2)
        self.assert_no_secrets(entry, *tokens)

    def test_it_records_the_address_the_request_came_from(self):
        self.client.force_login(self.alice)
        self.client.post(f"/user/apps/{self.app.pk}/regenerate/", REMOTE_ADDR="203.0.113.7")
        self.assertEqual(self.entry(Action.SECRET_REGENERATED).ip_address, "203.0.113.7")


class AuthorizedAppsTestCase(AuditTestCase):
    def test_it_records_a_person_revoking_an_authorization(self):
        token = self.get_token(self.bob)
        self.client.force_login(self.bob)
        response = self.client.post(f"/user/authorized-apps/{self.app.pk}/revoke/")
        self.assertEqual(response.status_code, 302)
        self.assertFalse(AccessToken.objects.filter(user=self.bob).exists())
        entry = self.entry(Action.AUTHORIZATION_REVOKED)
        self.assert_entry(entry, actor=self.bob, application=self.app)
        self.assert_no_secrets(entry, token)

    def test_it_records_nothing_for_an_application_never_authorized(self):
        self.client.force_login(self.bob)
        response = self.client.post(f"/user/authorized-apps/{self.app.pk}/revoke/")
        self.assertEqual(response.status_code, 302)
        self.assertFalse(AuditEntry.objects.filter(action=Action.AUTHORIZATION_REVOKED).exists())


class AppRegistrationTestCase(AuditTestCase):
    def register(self):
        response = self.client.post(
            "/api/v1/apps",
            {"client_name": "Registered Client", "redirect_uris": "https://r.example/cb"},
        )
        self.assertEqual(response.status_code, 200, response.content)
        return response.json()

    def test_it_records_an_application_registered_through_the_api(self):
        body = self.register()
        app = Application.objects.get(client_id=body["client_id"])
        entry = self.entry(Action.APP_CREATED)
        self.assert_entry(entry, actor=None, application=app, via="api/v1/apps")
        self.assert_no_secrets(entry, body["client_secret"])

    def test_it_records_no_actor_even_for_a_signed_in_browser(self):
        self.client.force_login(self.alice)
        self.register()
        entry = self.entry(Action.APP_CREATED)
        self.assertIsNone(entry.actor)
        self.assertEqual(entry.actor_name, "")

    def test_it_records_nothing_for_a_refused_registration(self):
        response = self.client.post(
            "/api/v1/apps", {"client_name": "Bad Client", "redirect_uris": "http://evil.example/"}
        )
        self.assertEqual(response.status_code, 422)
        self.assertFalse(AuditEntry.objects.exists())


class ConsentTestCase(AuditTestCase):
    def test_it_records_pressing_authorize_with_the_scopes(self):
        code = self.get_code(self.bob, scope="public email")
        entry = self.entry(Action.AUTHORIZATION_GRANTED)
        self.assert_entry(entry, actor=self.bob, application=self.app, scopes=["public", "email"])
        self.assert_no_secrets(entry, code)

    def test_it_records_the_default_scope(self):
        self.get_code(self.bob)
        self.assertEqual(self.entry(Action.AUTHORIZATION_GRANTED).detail, {"scopes": ["public"]})

    def test_it_does_not_record_a_silent_reapproval(self):
        self.get_token(self.bob)
        self.client.force_login(self.bob)
        response = self.client.get(self.authorize_url())
        self.assertEqual(response.status_code, 302)
        self.assertIn("code", query_of(response["Location"]))
        self.assertEqual(AuditEntry.objects.filter(action=Action.AUTHORIZATION_GRANTED).count(), 1)

    def test_it_records_nothing_for_the_consent_page_or_cancel(self):
        self.client.force_login(self.bob)
        self.assertEqual(self.client.get(self.authorize_url()).status_code, 200)
        response = self.client.post(self.authorize_url(), {"cancel": "1"})
        self.assertEqual(response.status_code, 302)
        self.assertFalse(AuditEntry.objects.exists())

    def test_it_records_nothing_for_an_invalid_request(self):
        self.client.force_login(self.bob)
        response = self.client.post(self.authorize_url(scope="admin"), {"authorize": "1"})
        self.assertEqual(response.status_code, 400)
        self.assertFalse(AuditEntry.objects.exists())


class AdminActionsTestCase(AuditTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.charlie)

    def action(self, model: str, action: str, *pks: int):
        response = self.client.post(
            f"/admin/oauthapps/{model}/",
            {"action": action, "_selected_action": [str(pk) for pk in pks]},
        )
        self.assertEqual(response.status_code, 302)
        return response

    def admin_entries(self) -> list[AuditEntry]:
        return list(AuditEntry.objects.filter(action=Action.ADMIN_ACTION).order_by("id"))

    def test_it_records_approving_and_verifying_applications(self):
        other, _ = self.add_app("bob_app", approved=False)
        self.action("application", "approve", self.app.pk, other.pk)  # alice's already is
        self.action("application", "verify", self.app.pk)
        self.action("application", "unverify", self.app.pk)
        self.action("application", "unapprove", self.app.pk)
        entries = self.admin_entries()
        self.assertEqual(
            [(e.application_name, e.detail) for e in entries],
            [
                ("Bob's App", {"operation": "approve"}),
                ("Alice's App", {"operation": "verify"}),
                ("Alice's App", {"operation": "unverify"}),
                ("Alice's App", {"operation": "unapprove"}),
            ],
        )
        self.assert_entry(entries[0], actor=self.charlie, application=other, operation="approve")
        for entry in entries:
            self.assert_no_secrets(entry)

    def test_it_records_revoking_tokens(self):
        token = self.get_token(self.alice)
        self.client.force_login(self.charlie)
        access = AccessToken.objects.get()
        self.action("accesstoken", "revoke", access.pk)
        (entry,) = self.admin_entries()
        self.assert_entry(
            entry,
            actor=self.charlie,
            application=self.app,
            operation="revoke_access_token",
            token_id=access.pk,
            user="alice",
        )
        self.assert_no_secrets(entry, token, access.token_checksum)

    def test_it_records_revoking_refresh_tokens(self):
        self.exchange(self.get_code(self.bob))
        self.client.force_login(self.charlie)
        refresh = RefreshToken.objects.get()
        self.action("refreshtoken", "revoke", refresh.pk)
        (entry,) = self.admin_entries()
        self.assert_entry(
            entry,
            actor=self.charlie,
            application=self.app,
            operation="revoke_refresh_token",
            token_id=refresh.pk,
            user="bob",
        )
        self.assert_no_secrets(entry, refresh.token_checksum)

    def test_it_records_editing_and_deleting_an_application_in_the_admin(self):
        url = f"/admin/oauthapps/application/{self.app.pk}/change/"
        data = {
            "name": "Alice's Renamed App",
            "description": "",
            "user": self.alice.pk,
            "client_type": Application.CLIENT_CONFIDENTIAL,
            "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
            "redirect_uris": REDIRECT_URI,
            "allowed_scopes": "public email",
            "approved": "on",
        }
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 302, response.content)
        self.app.refresh_from_db()
        response = self.client.post(
            f"/admin/oauthapps/application/{self.app.pk}/delete/", {"post": "yes"}
        )
        self.assertEqual(response.status_code, 302)
        changed, deleted = self.admin_entries()
        self.assert_entry(
            changed, actor=self.charlie, application=self.app, operation="change", fields=["name"]
        )
        self.assert_entry(deleted, actor=self.charlie, application=self.app, operation="delete")
        self.assertIsNone(deleted.application)


class AuditAdminTestCase(AuditTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.get_code(self.bob)
        self.client.force_login(self.bob)
        self.client.post(f"/user/authorized-apps/{self.app.pk}/revoke/")
        self.granted = self.entry(Action.AUTHORIZATION_GRANTED)
        self.client.force_login(self.charlie)

    def test_it_lists_entries_for_staff(self):
        response = self.client.get(AUDIT_LIST)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Authorization granted")
        self.assertContains(response, "Alice&#x27;s App")
        self.assertContains(response, self.app.client_id)
        self.assertContains(response, "127.0.0.1")

    def test_it_filters_and_searches_entries(self):
        self.make_app(owner=self.bob, name="Bob's Other App")
        self.client.force_login(self.alice)
        self.client.post(f"/user/apps/{self.app.pk}/regenerate/")
        self.client.force_login(self.charlie)

        response = self.client.get(AUDIT_LIST, {"action__exact": Action.SECRET_REGENERATED})
        self.assertEqual(response.context["cl"].result_count, 1)
        for query in ("alice's", self.app.client_id, "bob"):
            with self.subTest(query=query):
                response = self.client.get(AUDIT_LIST, {"q": query})
                self.assertEqual(response.status_code, 200)
                self.assertGreater(response.context["cl"].result_count, 0)
        response = self.client.get(AUDIT_LIST, {"q": "nobody-by-this-name"})
        self.assertEqual(response.context["cl"].result_count, 0)

    def test_it_shows_an_entry_read_only(self):
        response = self.client.get(f"{AUDIT_LIST}{self.granted.pk}/change/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Alice&#x27;s App")
        self.assertNotContains(response, 'name="_save"')
        self.assertNotContains(response, "/delete/")

    def test_it_refuses_to_add_change_or_delete_entries(self):
        before = list(AuditEntry.objects.values_list("pk", "action", "actor_name", "detail"))
        pk = self.granted.pk
        self.assertEqual(self.client.get(f"{AUDIT_LIST}add/").status_code, 403)
        self.assertEqual(
            self.client.post(f"{AUDIT_LIST}add/", {"action": Action.APP_CREATED}).status_code,
            403,
        )
        response = self.client.post(
            f"{AUDIT_LIST}{pk}/change/", {"action": Action.APP_DELETED, "actor_name": "mallory"}
        )
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.client.get(f"{AUDIT_LIST}{pk}/delete/").status_code, 403)
        self.assertEqual(
            self.client.post(f"{AUDIT_LIST}{pk}/delete/", {"post": "yes"}).status_code, 403
        )
        # No bulk actions either, not even "delete selected".
        response = self.client.get(AUDIT_LIST)
        self.assertNotContains(response, "delete_selected")
        self.client.post(AUDIT_LIST, {"action": "delete_selected", "_selected_action": [pk]})
        self.assertEqual(
            list(AuditEntry.objects.values_list("pk", "action", "actor_name", "detail")), before
        )

    def test_it_needs_the_view_permission_for_staff_who_are_not_superusers(self):
        dave = User.objects.create_user("dave", "dave@example.org", "password", is_staff=True)
        self.client.force_login(dave)
        self.assertEqual(self.client.get(AUDIT_LIST).status_code, 403)

        dave.user_permissions.add(Permission.objects.get(codename="view_auditentry"))
        dave = User.objects.get(pk=dave.pk)  # forget the cached permissions
        self.client.force_login(dave)
        self.assertEqual(self.client.get(AUDIT_LIST).status_code, 200)
        response = self.client.get(f"{AUDIT_LIST}{self.granted.pk}/change/")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.client.get(f"{AUDIT_LIST}add/").status_code, 403)

    def test_it_is_hidden_from_people_who_are_not_staff(self):
        self.client.force_login(self.bob)
        response = self.client.get(AUDIT_LIST)
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith("/admin/login/"))
