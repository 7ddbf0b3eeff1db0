"""Refresh token rotation and reuse, revocation of token families, and tokens at rest."""

from datetime import timedelta

from django.db import connection
from django.utils import timezone

from oauthapps.models import AccessToken, AuditEntry, RefreshToken
from tests.base import BaseTestCase, oauthapps_settings, pkce_pair


def live_access_tokens():
    return AccessToken.objects.filter(expires__gt=timezone.now())


def live_refresh_tokens():
    return RefreshToken.objects.filter(revoked__isnull=True, access_token__isnull=False)


class RotationTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.first = self.exchange(self.get_code()).json()
        self.client.logout()

    def whoami(self, access_token: str) -> int:
        return self.client.get(
            "/api/whoami/", HTTP_AUTHORIZATION=f"Bearer {access_token}"
        ).status_code

    def age_revocations(self, seconds: int) -> None:
        RefreshToken.objects.filter(revoked__isnull=False).update(
            revoked=timezone.now() - timedelta(seconds=seconds)
        )

    @oauthapps_settings(REFRESH_TOKEN_GRACE_SECONDS=10)
    def test_it_refuses_a_just_rotated_token_without_harming_the_new_pair(self):
        second = self.refresh(self.first["refresh_token"]).json()
        r = self.refresh(self.first["refresh_token"])  # a concurrent retry, a moment later
        self.assertEqual(r.status_code, 400)
        self.assertEqual(
            r.json()["error"], "Incorrect refresh_token. It may have expired or been revoked"
        )
        self.assertEqual(self.whoami(second["access_token"]), 200)
        self.assertEqual(self.refresh(second["refresh_token"]).status_code, 200)
        self.assertFalse(AuditEntry.objects.filter(action=AuditEntry.Action.REFRESH_REUSE).exists())

    @oauthapps_settings(REFRESH_TOKEN_GRACE_SECONDS=10)
    def test_it_revokes_the_family_and_audits_reuse_after_the_grace_period(self):
        second = self.refresh(self.first["refresh_token"]).json()
        self.age_revocations(11)
        self.assertEqual(self.refresh(self.first["refresh_token"]).status_code, 400)
        self.assertEqual(self.whoami(second["access_token"]), 403)
        self.assertEqual(self.refresh(second["refresh_token"]).status_code, 400)
        self.assertFalse(live_access_tokens().exists())
        self.assertFalse(live_refresh_tokens().exists())
        entry = AuditEntry.objects.get(action=AuditEntry.Action.REFRESH_REUSE)
        self.assertEqual(entry.application, self.app)
        self.assertEqual(entry.detail["user"], "alice")
        self.assertEqual(entry.ip_address, "127.0.0.1")

    @oauthapps_settings(REFRESH_TOKEN_GRACE_SECONDS=0)
    def test_it_treats_every_reuse_as_theft_without_a_grace_period(self):
        second = self.refresh(self.first["refresh_token"]).json()
        self.assertEqual(self.refresh(self.first["refresh_token"]).status_code, 400)
        self.assertEqual(self.whoami(second["access_token"]), 403)

    def test_it_leaves_other_families_alone_on_reuse(self):
        other = self.exchange(self.get_code()).json()
        self.refresh(self.first["refresh_token"])
        self.age_revocations(11)
        self.refresh(self.first["refresh_token"])
        self.assertEqual(self.whoami(other["access_token"]), 200)

    def test_it_revokes_the_whole_family_when_a_rotated_out_token_is_revoked(self):
        second = self.refresh(self.first["refresh_token"]).json()
        r = self.client.post(
            "/oauth/revoke",
            {
                "client_id": self.app.client_id,
                "client_secret": self.secret,
                "token": self.first["refresh_token"],
            },
        )
        self.assertEqual(r.status_code, 200)
        self.assertEqual(self.whoami(second["access_token"]), 403)
        self.assertFalse(live_refresh_tokens().exists())

    def test_it_revokes_the_new_pair_when_the_rotated_out_access_token_is_revoked(self):
        # A client revoking the access token it holds while a refresh completes: the
        # rotated-out token's row stays (expired) so the revocation still finds its family.
        second = self.refresh(self.first["refresh_token"]).json()
        self.assertEqual(self.whoami(self.first["access_token"]), 403)
        r = self.client.post(
            "/oauth/revoke",
            {
                "client_id": self.app.client_id,
                "client_secret": self.secret,
                "token": self.first["access_token"],
            },
        )
        self.assertEqual(r.status_code, 200)
        self.assertEqual(self.whoami(second["access_token"]), 403)
        self.assertFalse(live_refresh_tokens().exists())

    def test_it_revokes_the_refresh_token_with_its_access_token(self):
        second = self.refresh(self.first["refresh_token"]).json()
        r = self.client.post(
            "/oauth/revoke",
            {
                "client_id": self.app.client_id,
                "client_secret": self.secret,
                "token": second["access_token"],
            },
        )
        self.assertEqual(r.status_code, 200)
        self.assertEqual(self.refresh(second["refresh_token"]).status_code, 400)
        self.assertFalse(live_access_tokens().exists())
        self.assertFalse(live_refresh_tokens().exists())

    def test_it_revokes_the_family_when_the_bearer_deletes_its_token(self):
        second = self.refresh(self.first["refresh_token"]).json()
        r = self.client.delete(
            "/api/delete-token/", HTTP_AUTHORIZATION=f"Bearer {second['access_token']}"
        )
        self.assertEqual(r.status_code, 200)
        self.assertEqual(self.refresh(second["refresh_token"]).status_code, 400)


class TokensAtRestTestCase(BaseTestCase):
    """After a full flow, no table holds a plain token, code or client secret."""

    def all_stored_text(self) -> str:
        dump = []
        with connection.cursor() as cursor:
            for table in connection.introspection.table_names(cursor):
                cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
                dump.extend(repr(row) for row in cursor.fetchall())
        return "\n".join(dump)

    def test_it_stores_no_plain_token_code_or_secret(self):
        public, _ = self.make_app(owner=self.bob, name="Bob's Phone App", client_type="public")
        self.app.allow_client_credentials = True
        self.app.save()
        verifier, challenge = pkce_pair()
        code = self.get_code(code_challenge=challenge, code_challenge_method="S256")
        issued = self.exchange(code, code_verifier=verifier).json()
        refreshed = self.refresh(issued["refresh_token"]).json()
        app_token = self.client.post(
            "/oauth/token/",
            {
                "grant_type": "client_credentials",
                "client_id": self.app.client_id,
                "client_secret": self.secret,
            },
        ).json()
        secrets = {
            "code": code,
            "access token": issued["access_token"],
            "refresh token": issued["refresh_token"],
            "rotated access token": refreshed["access_token"],
            "rotated refresh token": refreshed["refresh_token"],
            "client credentials token": app_token["access_token"],
            "client secret": self.secret,
        }
        stored = self.all_stored_text()
        self.assertIn(public.client_id, stored)  # the dump does include the OAuth tables
        for name, value in secrets.items():
            with self.subTest(name):
                self.assertNotIn(value, stored)
