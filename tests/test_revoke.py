"""POST /oauth/revoke (oauthapps/views/revoke.py, RFC 7009): client authentication, other
clients' tokens, hints, unknown tokens, and whole token families."""

from oauthapps.models import AccessToken, RefreshToken
from tests.base import (
    BaseTestCase,
    RotatedPairTestCase,
    live_access_tokens,
    live_refresh_tokens,
    pkce_pair,
)


class RevokeTestCase(BaseTestCase):
    def revoke(self, token: str, client_id=None, secret=None, **extra):
        data = {
            "client_id": client_id or self.app.client_id,
            "client_secret": secret or self.secret,
        }
        data.update(token=token, **extra)
        return self.client.post("/oauth/revoke", {k: v for k, v in data.items() if v is not None})

    def test_it_revokes_an_access_token_and_is_idempotent(self):
        issued = self.exchange(self.get_code()).json()
        for _ in range(2):
            r = self.revoke(issued["access_token"])
            self.assertEqual((r.status_code, r.json()), (200, {}))
        self.assertFalse(AccessToken.objects.exists())
        self.assertFalse(RefreshToken.objects.filter(revoked__isnull=True).exists())

    def test_it_revokes_the_access_token_with_its_refresh_token(self):
        issued = self.exchange(self.get_code()).json()
        r = self.revoke(issued["refresh_token"], token_type_hint="refresh_token")
        self.assertEqual(r.status_code, 200)
        self.assertFalse(AccessToken.objects.exists())

    def test_it_answers_200_for_an_unknown_token(self):
        self.assertEqual(self.revoke("nope").json(), {})

    def test_it_refuses_another_clients_token_with_403(self):
        other, other_secret = self.add_app("bob_app")
        issued = self.exchange(self.get_code()).json()
        r = self.revoke(issued["access_token"], other.client_id, other_secret)
        self.assertEqual(r.status_code, 403)
        self.assertEqual(
            r.json(),
            {
                "error": "unauthorized_client",
                "error_description": "You are not authorized to revoke this token",
            },
        )
        self.assertTrue(AccessToken.objects.exists())

    def test_it_refuses_requests_without_client_credentials(self):
        issued = self.exchange(self.get_code()).json()
        r = self.client.post("/oauth/revoke", {"token": issued["access_token"]})
        self.assertEqual(r.status_code, 403)


# ---- RFC 7009 -----------------------------------------------------------------------------


class RevocationTestCase(BaseTestCase):
    def test_it_finds_the_token_whatever_the_hint_says(self):
        # RFC 7009 §2.1: a wrong hint MUST NOT stop the search.
        for token_kind, hint in (
            ("access_token", "refresh_token"),
            ("refresh_token", "access_token"),
            ("access_token", "something_else"),
        ):
            with self.subTest(token=token_kind, hint=hint):
                issued = self.issue()
                r = self.revoke(issued[token_kind], token_type_hint=hint)
                self.assertEqual((r.status_code, r.json()), (200, {}))
                self.assertEqual(self.whoami(issued["access_token"]).status_code, 403)
                self.assertEqual(self.refresh(issued["refresh_token"]).status_code, 400)

    def test_it_answers_200_for_invalid_unknown_and_already_revoked_tokens(self):
        issued = self.issue()
        self.revoke(issued["access_token"])
        for token in ("x" * 5000, "not-a-token", issued["access_token"], issued["refresh_token"]):
            with self.subTest(token=token[:20]):
                r = self.revoke(token)
                self.assertEqual((r.status_code, r.json()), (200, {}))

    def test_it_lets_a_public_client_revoke_only_its_own_tokens(self):
        public, _ = self.add_app("public_app")
        verifier, challenge = pkce_pair()
        code = self.get_code(
            self.bob, public, code_challenge=challenge, code_challenge_method="S256"
        )
        own = self.client.post(
            "/oauth/token/",
            {
                "grant_type": "authorization_code",
                "client_id": public.client_id,
                "code": code,
                "code_verifier": verifier,
            },
        ).json()
        theirs = self.issue()
        self.client.logout()
        r = self.client.post(
            "/oauth/revoke", {"client_id": public.client_id, "token": theirs["access_token"]}
        )
        self.assertEqual(r.status_code, 403)
        self.assertEqual(self.whoami(theirs["access_token"]).status_code, 200)
        r = self.client.post(
            "/oauth/revoke", {"client_id": public.client_id, "token": own["access_token"]}
        )
        self.assertEqual((r.status_code, r.json()), (200, {}))
        self.assertEqual(self.whoami(own["access_token"]).status_code, 403)


# ---- token families: revoking after a refresh ------------------------------------------


class RotationTestCase(RotatedPairTestCase):
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
