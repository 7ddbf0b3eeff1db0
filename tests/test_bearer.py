"""Bearer authentication for the API (oauthapps/protocol/bearer.py): the token comes from
the Authorization header only."""

from tests.base import BaseTestCase

# ---- RFC 9700 §4.3.2 (RFC 6750 §2.3): no access tokens in the query string -------------


class TokenTransportTestCase(BaseTestCase):
    def test_it_ignores_an_access_token_in_the_query_string(self):
        token = self.issue()["access_token"]
        r = self.client.get(f"/api/whoami/?access_token={token}")
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.json(), {"is_authenticated": False, "username": None})
