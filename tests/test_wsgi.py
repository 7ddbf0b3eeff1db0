"""config.wsgi.application: what Django fails on before any middleware runs."""

from django.test import TestCase

from tests.base import wsgi_call


def call(path, content_type="", query="", method="POST", body=b""):
    return wsgi_call(path, method=method, content_type=content_type, query=query, body=body)


class CharsetGuardTestCase(TestCase):
    def test_it_answers_a_non_text_charset_with_400_in_the_endpoints_shape(self):
        # Without the guard, Django raises LookupError building the request: a bare 500.
        status, headers, content = call(
            "/oauth/token/", "application/x-www-form-urlencoded; charset=hex", "grant_type=x"
        )
        self.assertEqual(status, "400 Bad Request")
        self.assertEqual(headers["Content-Type"], "application/json")
        self.assertEqual(
            content, b'{"success": false, "error": "The request body could not be parsed"}'
        )

    def test_it_answers_revocation_in_the_rfc_shape(self):
        status, _, content = call("/oauth/revoke", "text/plain; charset=rot13", "a=b")
        self.assertEqual(status, "400 Bad Request")
        self.assertIn(b'"error": "invalid_request"', content)

    def test_it_lets_ordinary_requests_through(self):
        status, headers, _ = call(
            "/.well-known/oauth-authorization-server",
            "text/plain; charset=utf-8",
            method="GET",
        )
        self.assertEqual(status, "200 OK")
        self.assertEqual(headers["Content-Type"], "application/json")
