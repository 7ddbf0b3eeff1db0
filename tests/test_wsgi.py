"""config.wsgi.application: what Django fails on before any middleware runs."""

import io

from django.test import TestCase

from config.wsgi import application


def call(path, content_type="", query="", method="POST", body=b""):
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)),
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
    }
    started = {}

    def start_response(status, headers):
        started.update(status=status, headers=dict(headers))

    content = b"".join(application(environ, start_response))
    return started["status"], started["headers"], content


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
