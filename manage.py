#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    from config import startup

    try:
        if sys.argv[1:2] and sys.argv[1] in startup.SERVING_COMMANDS:
            django.setup()
            startup.require_serving()
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:
        startup.configuration_error(exc)


if __name__ == "__main__":
    main()
