"""The server's metadata (oauthapps/views/metadata.py): RFC 8414 at
/.well-known/oauth-authorization-server and the OpenID Connect discovery document."""

from tests.base import BaseTestCase


class MetadataTestCase(BaseTestCase):
    def test_it_lists_endpoints_and_capabilities(self):
        body = self.client.get("/.well-known/oauth-authorization-server").json()
        self.assertEqual(body["issuer"], "http://testserver")
        self.assertEqual(body["token_endpoint"], "http://testserver/oauth/token/")
        self.assertEqual(body["code_challenge_methods_supported"], ["S256"])
        self.assertEqual(
            body["grant_types_supported"],
            ["authorization_code", "refresh_token", "client_credentials"],
        )
        self.assertEqual(body["response_types_supported"], ["code"])


# ---- issue 11, attack 11: metadata does not offer unauthenticated introspection -------------


class IntrospectionMetadataTestCase(BaseTestCase):
    def test_metadata_does_not_offer_introspection_without_client_authentication(self):
        doc = self.client.get("/.well-known/oauth-authorization-server").json()
        self.assertNotIn("none", doc["introspection_endpoint_auth_methods_supported"])
        self.assertEqual(
            doc["introspection_endpoint_auth_methods_supported"],
            ["client_secret_basic", "client_secret_post"],
        )


# ---- OpenID Connect discovery ------------------------------------------------------------


class DiscoveryTestCase(BaseTestCase):
    def test_it_publishes_the_rfc_8414_metadata_with_openid_connects_fields(self):
        r = self.client.get("/.well-known/openid-configuration")
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r["Access-Control-Allow-Origin"], "*")
        doc = r.json()
        self.assertEqual(doc, self.client.get("/.well-known/oauth-authorization-server").json())
        self.assertEqual(doc["issuer"], "http://testserver")
        self.assertEqual(doc["userinfo_endpoint"], "http://testserver/oauth/userinfo/")
        self.assertEqual(doc["jwks_uri"], "http://testserver/.well-known/jwks.json")
        self.assertEqual(doc["response_types_supported"], ["code"])
        self.assertEqual(
            doc["grant_types_supported"],
            ["authorization_code", "refresh_token", "client_credentials"],
        )
        self.assertEqual(doc["id_token_signing_alg_values_supported"], ["RS256"])
        self.assertEqual(doc["subject_types_supported"], ["public"])
        self.assertIn("openid", doc["scopes_supported"])
        for claim in ("sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "email"):
            self.assertIn(claim, doc["claims_supported"])
        self.assertIs(doc["request_uri_parameter_supported"], False)
        self.assertEqual(doc["code_challenge_methods_supported"], ["S256"])
