"""Settings for the test suite: config.settings plus speed-ups that change no behaviour."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-insecure-secret-key-not-for-production")

from config.settings import *  # noqa: E402,F403

# People's passwords: a fast hasher in tests only (the client secret hasher stays).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "oauthapps.hashers.ClientSecretHasher",
]

# The live-server tests serve requests from threads; persistent connections there would
# outlive the test and keep PostgreSQL from dropping the test database.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405

# The test client speaks plain http: no redirect to https (production turns it on).
SECURE_SSL_REDIRECT = False
