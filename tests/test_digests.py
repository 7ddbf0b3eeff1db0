"""Credentials at rest (oauthapps/protocol/digests.py, hashers.py): no table holds a plain
token, code or client secret."""

from django.db import connection

from tests.base import BaseTestCase, pkce_pair


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
