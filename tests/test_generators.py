"""Credentials Gatehouse makes (oauthapps/protocol/generators.py): codes, tokens, client ids
and secrets that cannot be guessed or chosen."""

import math
import string

from oauthapps.models import Application
from tests.base import REDIRECT_URI, BaseTestCase

BASE64URL = set(string.ascii_letters + string.digits + "-_")
ALPHANUMERIC = set(string.ascii_letters + string.digits)


def entropy_bits(value: str) -> float:
    """Bits in a random string drawn from the smallest alphabet that holds it."""
    alphabet = ALPHANUMERIC if set(value) <= ALPHANUMERIC else BASE64URL
    assert set(value) <= alphabet, value
    return len(value) * math.log2(len(alphabet))


# ---- RFC 6749 §10.10, §10.3, §10.4, §10.5: credentials cannot be guessed -----------------


class EntropyTestCase(BaseTestCase):
    def test_it_issues_codes_tokens_and_secrets_of_at_least_160_bits(self):
        issued = {"code": [], "access token": [], "refresh token": [], "client secret": []}
        for n in range(5):
            code = self.get_code()
            issued["code"].append(code)
            body = self.exchange(code).json()
            issued["access token"].append(body["access_token"])
            issued["refresh token"].append(body["refresh_token"])
            _, secret = self.make_app(owner=self.bob, name=f"Entropy App {n}")
            issued["client secret"].append(secret)
        issued["access token"].append(self.client_credentials_token())
        for kind, values in issued.items():
            with self.subTest(kind):
                self.assertEqual(len(set(values)), len(values))
                for value in values:
                    # RFC 6749 §10.10: MUST be <= 2^-128 to guess, SHOULD be <= 2^-160.
                    self.assertGreaterEqual(entropy_bits(value), 160, value)


# ---- RFC 9700 §4.15: a client cannot pass for a resource owner ---------------------------


class ClientImpersonationTestCase(BaseTestCase):
    def test_it_never_lets_a_client_choose_its_client_id(self):
        r = self.client.post(
            "/api/v1/apps",
            {"client_name": "Chosen Id", "redirect_uris": REDIRECT_URI, "client_id": "alice"},
        )
        self.assertEqual(r.status_code, 200, r.content)
        self.assertNotEqual(r.json()["client_id"], "alice")
        self.client.force_login(self.bob)
        self.client.post(
            "/user/apps/new/",
            {
                "name": "Also Chosen",
                "redirect_uris": REDIRECT_URI,
                "client_type": Application.CLIENT_CONFIDENTIAL,
                "allowed_scopes": ["public"],
                "client_id": "alice",
            },
        )
        self.assertTrue(Application.objects.filter(name="Also Chosen").exists())
        self.assertFalse(Application.objects.filter(client_id="alice").exists())
