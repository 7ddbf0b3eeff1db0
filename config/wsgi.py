import os

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

from config import startup

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

try:
    # A serving process needs a secret key and an ID token signing key; offline commands
    # do not (see config/settings/). Checked first, before anything else can print.
    startup.require_serving()
    application = get_wsgi_application()
except ImproperlyConfigured as exc:
    startup.configuration_error(exc)

from plumbing.charset import CharsetGuard  # noqa: E402

application = CharsetGuard(application)
