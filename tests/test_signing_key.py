"""The ID token signing key (config/signing_key.py): required to serve, read from the
environment or a file, checked, generated once for development."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.test import SimpleTestCase

from config import signing_key as config_oidc

ROOT = Path(__file__).resolve().parent.parent


def run_python(*args: str, **env: str) -> subprocess.CompletedProcess:
    """Python in a fresh process with config.settings and no Gatehouse setting but `env`."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "OAUTH_", "OIDC_"))
    }
    clean.update(DJANGO_SETTINGS_MODULE="config.settings", DATABASE_URL="sqlite:///:memory:")
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def pem(key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


class SigningKeyTestCase(SimpleTestCase):
    SECRET = {"DJANGO_SECRET_KEY": "k" * 50}

    def test_it_refuses_to_serve_without_a_key_in_one_line(self):
        result = run_python("-c", "import config.wsgi", **self.SECRET)
        self.assertNotEqual(result.returncode, 0)
        self.assertEqual(
            result.stderr.strip().splitlines(),
            [
                "Configuration error: OIDC_RSA_PRIVATE_KEY or "
                "OIDC_RSA_PRIVATE_KEY_FILE is required when DJANGO_DEBUG is off."
            ],
        )
        result = run_python("-c", "import config.asgi", **self.SECRET)
        self.assertIn("OIDC_RSA_PRIVATE_KEY or OIDC_RSA_PRIVATE_KEY_FILE", result.stderr)

    def test_it_runs_offline_commands_without_a_key(self):
        result = run_python("manage.py", "makemigrations", "--check", "--dry-run")
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_it_refuses_unreadable_files_and_unusable_keys(self):
        cases = {
            "OIDC_RSA_PRIVATE_KEY_FILE": ("/nonexistent/key.pem", "cannot be read"),
            "OIDC_RSA_PRIVATE_KEY": ("not a key", "not an unencrypted RSA private key"),
        }
        small = pem(rsa.generate_private_key(public_exponent=65537, key_size=1024))
        elliptic = pem(ec.generate_private_key(ec.SECP256R1()))
        for variable, (value, message) in [
            *cases.items(),
            ("OIDC_RSA_PRIVATE_KEY", (small, "at least 2048 bits")),
            ("OIDC_RSA_PRIVATE_KEY", (elliptic, "not an unencrypted RSA private key")),
        ]:
            with self.subTest(variable=variable, message=message):
                result = run_python("-c", "import config.wsgi", **self.SECRET, **{variable: value})
                self.assertNotEqual(result.returncode, 0)
                self.assertIn(message, result.stderr.strip().splitlines()[-1])

    def test_it_serves_with_a_key_from_the_environment_or_a_file(self):
        key = pem(rsa.generate_private_key(public_exponent=65537, key_size=2048))
        probe = (
            "import config.wsgi; from oauth2_provider.settings import oauth2_settings as s; "
            "print(s.OIDC_ENABLED, s.OIDC_RSA_PRIVATE_KEY.startswith('-----BEGIN'))"
        )
        one_line = key.strip().replace("\n", "\\n")  # for environment files
        result = run_python("-c", probe, **self.SECRET, OIDC_RSA_PRIVATE_KEY=one_line)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.split(), ["True", "True"])
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        key_file = Path(tmp.name) / "oidc.pem"
        key_file.write_text(key)
        result = run_python("-c", probe, **self.SECRET, OIDC_RSA_PRIVATE_KEY_FILE=str(key_file))
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_development_generates_one_private_key_file(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / ".dev-oidc-key.pem"
            self.assertEqual(config_oidc.development_key_file(path), path)
            first = path.read_text()
            self.assertEqual(path.stat().st_mode & 0o777, 0o600)
            self.assertIsNone(config_oidc.problem(first))
            config_oidc.development_key_file(path)
            self.assertEqual(path.read_text(), first)  # generated once
            self.assertEqual(sorted(p.name for p in Path(tmp).iterdir()), [".dev-oidc-key.pem"])
