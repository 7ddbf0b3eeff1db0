from django.core.management.base import BaseCommand, CommandError

MESSAGE = (
    "createapplication is django-oauth-toolkit's and skips Gatehouse's rules; use "
    "`manage.py createapp --owner NAME --title TITLE --redirect-uri URI` instead."
)


class Command(BaseCommand):
    help = "Refuses: use `manage.py createapp` (Gatehouse's rules, the secret shown once)."

    def add_arguments(self, parser):
        parser.add_argument("args", nargs="*")

    def handle(self, *args, **options):
        raise CommandError(MESSAGE)
