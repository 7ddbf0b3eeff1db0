import os

from django.core.asgi import get_asgi_application
from django.core.exceptions import ImproperlyConfigured

from config import startup

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

try:
    # A serving process needs a secret key and an ID token signing key; offline commands
    # do not (see config/settings/). Checked first, before anything else can print.
    startup.require_serving()
    application = get_asgi_application()
except ImproperlyConfigured as exc:
    startup.configuration_error(exc)
