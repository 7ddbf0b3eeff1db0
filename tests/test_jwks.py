"""GET /.well-known/jwks.json (oauthapps/views/jwks.py): the public signing key."""

from joserfc.jwk import KeySet

from tests.base import BaseTestCase


class DiscoveryTestCase(BaseTestCase):
    def test_it_publishes_one_rsa_key_with_its_thumbprint_as_kid(self):
        r = self.client.get("/.well-known/jwks.json")
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r["Access-Control-Allow-Origin"], "*")
        (key,) = r.json()["keys"]
        self.assertEqual((key["kty"], key["alg"], key["use"]), ("RSA", "RS256", "sig"))
        self.assertTrue(key["kid"])
        self.assertEqual(KeySet.import_key_set(r.json()).keys[0].thumbprint(), key["kid"])
        for private in ("d", "p", "q", "dp", "dq", "qi"):
            self.assertNotIn(private, key)
