import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

from oauthapps.wsgi import CharsetGuard  # noqa: E402

application = CharsetGuard(application)

# A serving process needs a secret key and an ID token signing key; offline commands do
# not (see settings.py).
from config.settings import require_oidc_key, require_secret_key  # noqa: E402

require_secret_key()
require_oidc_key()
