"""POST /oauth/introspect (oauthapps/views/introspect.py, RFC 7662): who may see which
token, the members of an active token, and `{"active": false}` for everything else."""

from datetime import timedelta

from django.utils import timezone

from oauthapps.models import AccessToken, Application, RefreshToken
from oauthapps.protocol.digests import digest
from tests.base import BaseTestCase

INACTIVE = {"active": False}


class IntrospectTestCase(BaseTestCase):
    def introspect(self, token: str, app: Application | None = None, secret: str | None = None):
        app = app or self.app
        data = {"client_id": app.client_id, "client_secret": secret or self.secret, "token": token}
        return self.client.post("/oauth/introspect", data)

    def test_it_describes_the_clients_own_token(self):
        token = self.get_token(self.bob)
        body = self.introspect(token).json()
        self.assertIs(body["active"], True)
        self.assertEqual(body["username"], "bob")
        self.assertEqual(body["client_id"], self.app.client_id)
        self.assertEqual(body["scope"], "public")

    def test_it_hides_other_clients_tokens(self):
        other, other_secret = self.add_app("bob_app")
        token = self.get_token()
        self.assertEqual(self.introspect(token, other, other_secret).json(), {"active": False})

    def test_it_shows_every_token_to_a_resource_server(self):
        other, other_secret = self.add_app("bob_app", is_resource_server=True)
        token = self.get_token()
        self.assertIs(self.introspect(token, other, other_secret).json()["active"], True)

    def test_it_requires_client_authentication(self):
        r = self.client.post("/oauth/introspect", {"token": "x"})
        self.assertEqual(r.status_code, 401)


# ---- RFC 7662 -----------------------------------------------------------------------------


class IntrospectionTestCase(BaseTestCase):
    def test_it_refuses_a_public_client_without_a_secret(self):
        # RFC 7662 §2.1/§4: introspection needs client authentication; a public client has
        # none, so it cannot introspect at all (not even its own tokens).
        public, _ = self.add_app("public_app")
        r = self.client.post(
            "/oauth/introspect", {"client_id": public.client_id, "token": "anything"}
        )
        self.assertEqual(r.status_code, 401)
        self.assertEqual(r.json()["error"], "invalid_client")

    def test_it_describes_an_active_token_with_the_rfc_7662_members(self):
        issued = self.issue(self.bob)
        r = self.introspect(issued["access_token"])
        self.assertEqual(r["Content-Type"], "application/json")
        body = r.json()
        self.assertIs(body["active"], True)
        self.assertEqual(body["scope"], "public")
        self.assertEqual(body["client_id"], self.app.client_id)
        self.assertEqual(body["username"], "bob")
        self.assertEqual(body["sub"], str(self.bob.pk))
        self.assertEqual(body["token_type"], "Bearer")
        self.assertIsInstance(body["iat"], int)
        self.assertIsInstance(body["exp"], int)
        self.assertAlmostEqual(body["exp"] - body["iat"], 3600, delta=2)

    def test_it_finds_the_token_whatever_the_hint_says(self):
        issued = self.issue()
        r = self.introspect(issued["refresh_token"], token_type_hint="access_token").json()
        self.assertEqual((r["active"], r["token_type"]), (True, "refresh_token"))
        r = self.introspect(issued["access_token"], token_type_hint="refresh_token").json()
        self.assertEqual((r["active"], r["token_type"]), (True, "Bearer"))

    def test_it_says_only_active_false_for_inactive_tokens(self):
        # RFC 7662 §2.2: no further information about an inactive token.
        expired = self.issue()
        AccessToken.objects.update(expires=timezone.now() - timedelta(seconds=1))
        rotated = self.issue()
        self.refresh(rotated["refresh_token"])
        revoked = self.issue()
        self.revoke(revoked["access_token"])
        old = self.issue()
        RefreshToken.objects.filter(
            access_token__token_checksum=digest(old["access_token"])
        ).update(created=timezone.now() - timedelta(days=7, seconds=1))
        cases = {
            "expired access token": expired["access_token"],
            "rotated-out refresh token": rotated["refresh_token"],
            "revoked access token": revoked["access_token"],
            "refresh token revoked with its access token": revoked["refresh_token"],
            "refresh token older than its lifetime": old["refresh_token"],
            "unknown token": "not-a-token",
            "empty token": "",
        }
        for name, token in cases.items():
            with self.subTest(name):
                r = self.introspect(token)
                self.assertEqual((r.status_code, r.json()), (200, INACTIVE))

    def test_it_says_active_false_for_a_token_the_api_refuses(self):
        # RFC 7662 §4: every check the token's use would meet, here the application's approval.
        server, server_secret = self.add_app("resource_server")
        issued = self.issue(self.bob)
        self.app.approved = False
        self.app.save()
        self.assertEqual(self.whoami(issued["access_token"]).status_code, 403)
        r = self.introspect(issued["access_token"], server, server_secret)
        self.assertEqual(r.json(), INACTIVE)

    def test_it_accepts_only_post(self):
        token = self.issue()["access_token"]
        r = self.client.get(
            "/oauth/introspect",
            {"token": token, "client_id": self.app.client_id, "client_secret": self.secret},
        )
        self.assertEqual(r.status_code, 405)
        self.assertNotIn(b"active", r.content)
