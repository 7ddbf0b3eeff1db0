from django.core.management.base import BaseCommand, CommandError

MESSAGE = (
    "cleartokens is django-oauth-toolkit's and would remove what replay detection needs; "
    "use `manage.py cleanup` (--dry-run to see the counts first) instead."
)


class Command(BaseCommand):
    help = "Refuses: use `manage.py cleanup` (batched, keeps what replay detection needs)."

    def handle(self, *args, **options):
        raise CommandError(MESSAGE)
