"""What revocation and introspection share (oauthapps/views/client_endpoint.py): client
authentication, and its errors in the RFC 6749 §5.2 shape."""

from tests.base import BaseTestCase


class ClientAuthenticationErrorsTestCase(BaseTestCase):
    def test_it_answers_wrong_client_credentials_with_401_invalid_client(self):
        # RFC 7009 §2.2.1 and RFC 7662 §2.3: RFC 6749 §5.2 errors.
        issued = self.issue()
        for path in ("/oauth/revoke", "/oauth/introspect"):
            with self.subTest(path):
                r = self.client.post(
                    path,
                    {
                        "client_id": self.app.client_id,
                        "client_secret": "wrong",
                        "token": issued["access_token"],
                    },
                )
                self.assertEqual(r.status_code, 401)
                self.assertEqual(r.json()["error"], "invalid_client")
                self.assertIn("WWW-Authenticate", r)
        self.assertEqual(self.whoami(issued["access_token"]).status_code, 200)
