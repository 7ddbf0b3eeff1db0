"""Gatehouse settings, one module per concern; this package is DJANGO_SETTINGS_MODULE.

Every value that differs between a laptop and production comes from an environment
variable (see the README's "Configuration" table), read through `env` (env.py).
Development needs none of them: with DJANGO_DEBUG=1 the site runs on SQLite with a
generated, git-ignored secret key. Anything required outside development fails fast with
ImproperlyConfigured naming the variable (config/startup.py prints it as one line).
"""

from config.settings.database import *  # noqa: F403
from config.settings.env import *  # noqa: F403
from config.settings.logs import *  # noqa: F403
from config.settings.mail import *  # noqa: F403
from config.settings.oauth import *  # noqa: F403
from config.settings.openid import *  # noqa: F403
from config.settings.security import *  # noqa: F403
from config.settings.site import *  # noqa: F403
