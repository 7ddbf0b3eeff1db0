"""Attacks from issue 11, each refused: one test case per hole, tests named after the attack.

docs/security.md names these tests in its rows.
"""



from oauthapps.models import Grant
from tests.base import BaseTestCase, oauthapps_settings, pkce_pair, query_of

TOO_MANY = "Too many attempts"


def limits(**rates):
    return oauthapps_settings(RATE_LIMITS=rates)


def signed_in_as(client):
    return client.session.get("_auth_user_id")


# ---- 1. silent consent for public clients (RFC 8252 §8.6) ----------------------------------


class SilentConsentTestCase(BaseTestCase):
    LOOPBACK = "http://127.0.0.1/cb"

    def setUp(self):
        super().setUp()
        self.native, _ = self.make_app(
            owner=self.alice, name="Native App", client_type="public", redirect_uris=self.LOOPBACK
        )

    def authorize_native(self, **extra):
        _, challenge = pkce_pair()
        return self.authorize_url(
            self.native,
            redirect_uri="http://127.0.0.1:31337/cb",
            code_challenge=challenge,
            code_challenge_method="S256",
            **extra,
        )

    def test_silent_consent_is_never_given_to_a_public_client(self):
        # bob authorized the native app once and holds a live token for it.
        verifier, _ = pkce_pair()
        self.client.force_login(self.bob)
        r = self.client.post(self.authorize_native(), {"authorize": "1"})
        code = query_of(r["Location"])["code"][0]
        r = self.client.post(
            "/oauth/token/",
            {
                "grant_type": "authorization_code",
                "client_id": self.native.client_id,
                "code": code,
                "code_verifier": verifier,
                "redirect_uri": "http://127.0.0.1:31337/cb",
            },
        )
        self.assertEqual(r.status_code, 200, r.content)
        # Any page (or any program on the machine) opens the authorization URL: anyone can
        # claim a public client's client_id and listen on a loopback port.
        r = self.client.get(self.authorize_native())
        self.assertEqual(r.status_code, 200, "a code was issued without asking")
        self.assertContains(r, "Authorize")
        self.assertEqual(Grant.objects.filter(application=self.native).count(), 1)

    def test_a_confidential_client_keeps_the_silent_re_approval(self):
        self.get_token(self.bob)
        self.client.force_login(self.bob)
        r = self.client.get(self.authorize_url())
        self.assertEqual(r.status_code, 302)
        self.assertIn("code", query_of(r["Location"]))
