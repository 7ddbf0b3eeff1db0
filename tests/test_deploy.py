"""Production settings: `manage.py check --deploy` is clean, and HTTPS hardening (SSL
redirect, HSTS, secure cookies) is on without DJANGO_DEBUG and off with it.

Each test runs Django in a subprocess with a production-like environment built from
scratch (config.settings, not the test settings), so nothing here leaks into the suite.
"""

import json
import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

from django.test import SimpleTestCase

BASE_DIR = Path(__file__).resolve().parent.parent
HOST = "auth.example.org"

# Django in the subprocess: a request over http and one over https, and the settings.
PROBE = """
import json, sys
import django
django.setup()
from django.conf import settings
from django.test import Client

host = sys.argv[1]
client = Client(HTTP_HOST=host)
plain = client.get("/")
secure = client.get("/", secure=True)
proxied = client.get("/", HTTP_X_FORWARDED_PROTO="https")
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "plain": [plain.status_code, plain.get("Location")],
    "secure": [secure.status_code, secure.get("Strict-Transport-Security")],
    "proxied": proxied.status_code,
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": settings.CSRF_COOKIE_SECURE,
}))
"""


class DeployTestCase(SimpleTestCase):
    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        # Production pages name hashed static files (the collectstatic manifest, as a
        # deployment builds it: README "Deploy"); collected once for the class.
        static = tempfile.TemporaryDirectory()
        cls.addClassCleanup(static.cleanup)
        cls.static_root = static.name
        result = subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput"],
            cwd=BASE_DIR,
            env={
                **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
                "DJANGO_SETTINGS_MODULE": "config.settings",
                "DJANGO_STATIC_ROOT": cls.static_root,
            },
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr

    def setUp(self) -> None:
        super().setUp()
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.database_url = f"sqlite:///{Path(tmp.name) / 'deploy.sqlite3'}"

    def environment(self, **variables: str) -> dict[str, str]:
        """The process environment minus any Gatehouse setting, plus `variables`."""
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "OAUTH_"))
        }
        env["DJANGO_STATIC_ROOT"] = self.static_root
        env.update(variables)
        return env

    def production(self, **overrides: str) -> dict[str, str]:
        return self.environment(
            DJANGO_SETTINGS_MODULE="config.settings",
            DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
            DJANGO_ALLOWED_HOSTS=HOST,
            DATABASE_URL=self.database_url,
            **overrides,
        )

    def run_python(self, args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, *args],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def probe(self, env: dict[str, str], host: str = HOST) -> dict:
        result = self.run_python(["-c", PROBE, host], env)
        self.assertEqual(result.returncode, 0, result.stderr)
        return json.loads(result.stdout.strip().splitlines()[-1])

    def test_it_passes_the_deploy_checks_with_production_variables(self):
        result = self.run_python(["manage.py", "check", "--deploy"], self.production())
        output = result.stdout + result.stderr
        self.assertEqual(result.returncode, 0, output)
        self.assertIn("System check identified no issues (0 silenced).", output)

    def test_it_turns_on_https_hardening_in_production(self):
        seen = self.probe(self.production())
        self.assertFalse(seen["DEBUG"])
        self.assertEqual(seen["plain"], [301, f"https://{HOST}/"])
        self.assertEqual(seen["secure"], [200, "max-age=31536000; includeSubDomains; preload"])
        self.assertTrue(seen["SESSION_COOKIE_SECURE"])
        self.assertTrue(seen["CSRF_COOKIE_SECURE"])
        # X-Forwarded-Proto is not trusted unless DJANGO_SECURE_PROXY_SSL_HEADER says so.
        self.assertEqual(seen["proxied"], 301)

    def test_it_trusts_the_proxy_header_only_when_told(self):
        seen = self.probe(self.production(DJANGO_SECURE_PROXY_SSL_HEADER="1"))
        self.assertEqual(seen["proxied"], 200)
        self.assertEqual(seen["plain"][0], 301)

    def test_it_reads_the_hsts_settings_from_the_environment(self):
        seen = self.probe(
            self.production(
                DJANGO_SECURE_HSTS_SECONDS="600",
                DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS="0",
                DJANGO_SECURE_HSTS_PRELOAD="0",
                DJANGO_SECURE_SSL_REDIRECT="0",
            )
        )
        self.assertEqual(seen["plain"], [200, None])
        self.assertEqual(seen["secure"], [200, "max-age=600"])

    def test_it_leaves_development_on_plain_http(self):
        # `make run`: DJANGO_DEBUG=1 and nothing else (the key is set here only so that
        # the test does not create the checkout's .dev-secret-key).
        env = self.environment(
            DJANGO_SETTINGS_MODULE="config.settings",
            DJANGO_DEBUG="1",
            DJANGO_SECRET_KEY="development-only",
            DATABASE_URL=self.database_url,
        )
        seen = self.probe(env, host="127.0.0.1")
        self.assertTrue(seen["DEBUG"])
        self.assertEqual(seen["plain"], [200, None])
        self.assertEqual(seen["secure"], [200, None])  # no HSTS on a laptop
        self.assertFalse(seen["SESSION_COOKIE_SECURE"])
        self.assertFalse(seen["CSRF_COOKIE_SECURE"])
