"""Settings for the test suite: config.settings plus speed-ups that change no behaviour."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-insecure-secret-key-not-for-production")

# ID tokens need a signing key: the development one (generated once into the git-ignored
# .dev-oidc-key.pem), through the environment so that the servers and commands some
# tests start in subprocesses have it too.
from config.signing_key import development_key_file  # noqa: E402

os.environ.setdefault("OIDC_RSA_PRIVATE_KEY_FILE", str(development_key_file()))

from config.settings import *  # noqa: E402,F403

# People's passwords: a fast hasher in tests only (the client secret hasher stays).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "oauthapps.protocol.hashers.ClientSecretHasher",
]

# The live-server tests serve requests from threads; persistent connections there would
# outlive the test and keep PostgreSQL from dropping the test database.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405

# The test client speaks plain http: no redirect to https (production turns it on).
SECURE_SSL_REDIRECT = False

# Static files as in development: plain names, served by WhiteNoise from the app folders,
# no collectstatic needed (production uses the hashed manifest; tests/test_deploy*.py).
STORAGES = {  # noqa: F405
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
