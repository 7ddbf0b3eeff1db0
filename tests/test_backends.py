"""The issuer identifier (oauthapps/protocol/backends.py `issuer`, OAUTH_ISSUER): fixed by
the settings, whatever the Host header; in metadata, authorization responses and ID
tokens."""

import os
import subprocess
import sys

from django.conf import settings
from django.test import override_settings
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.base import BaseTestCase, query_of

# ---- issue 11, attack 13: the issuer does not follow the Host header ------------------------


HOSTS = "auth.example.org,evil.example"
ISSUER = "https://auth.example.org"


def run_settings(script: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("OAUTH_ISSUER", "DATABASE_URL")}
    environment = {
        **clean,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "DATABASE_URL": "sqlite:///:memory:",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + script],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
    )


class IssuerTestCase(BaseTestCase):
    def test_a_forged_host_header_does_not_change_the_issuer(self):
        script = (
            "from django.test import Client\n"
            "metadata = '/.well-known/oauth-authorization-server'\n"
            "r = Client().get(metadata, HTTP_HOST='evil.example')\n"
            "print(r.json()['issuer'])\n"
        )
        result = run_settings(script, OAUTH_ISSUER=ISSUER, DJANGO_ALLOWED_HOSTS=HOSTS)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.strip(), ISSUER)

    def test_it_refuses_an_issuer_that_is_not_an_https_url(self):
        for value in ("http://auth.example.org", "auth.example.org", "https://a.example/?x=1"):
            with self.subTest(value):
                result = run_settings("", OAUTH_ISSUER=value)
                self.assertNotEqual(result.returncode, 0)
                self.assertIn("ImproperlyConfigured: OAUTH_ISSUER", result.stderr)

    @override_settings(
        ALLOWED_HOSTS=HOSTS.split(","),
        OAUTH2_PROVIDER={**settings.OAUTH2_PROVIDER, "OIDC_ISS_ENDPOINT": ISSUER},
    )
    def test_every_iss_names_the_configured_issuer_whatever_the_host(self):
        self.app.allowed_scopes = "public openid"
        self.app.save()
        self.client.force_login(self.bob)
        host = {"HTTP_HOST": "evil.example"}
        r = self.client.post(self.authorize_url(scope="openid"), {"authorize": "1"}, **host)
        self.assertEqual(query_of(r["Location"])["iss"], [ISSUER])
        data = {"client_id": self.app.client_id, "client_secret": self.secret}
        data["code"] = query_of(r["Location"])["code"][0]
        body = self.client.post("/oauth/token/", data, **host).json()
        jwks = KeySet.import_key_set(self.client.get("/.well-known/jwks.json", **host).json())
        self.assertEqual(jwt.decode(body["id_token"], jwks).claims["iss"], ISSUER)
        doc = self.client.get("/.well-known/openid-configuration", **host).json()
        self.assertEqual(doc["issuer"], ISSUER)
