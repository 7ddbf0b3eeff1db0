"""Development only: a demo person and a demo application with fixed, printed credentials."""

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from oauthapps import services
from oauthapps.management.commands.createapp import validation_message
from oauthapps.models import Application

USERNAME = "demo"
PASSWORD = "demo-password"
DISPLAY_NAME = "Demo User"
TITLE = "Demo Application"
CLIENT_ID = "demo-client-id"
CLIENT_SECRET = "demo-client-secret"
REDIRECT_URIS = (
    "http://127.0.0.1:8000/callback/ https://example.com/callback/ urn:ietf:wg:oauth:2.0:oob"
)
SCOPES = "public email"

AUTHORIZE_QUERY = (
    "response_type=code&client_id={client_id}"
    "&redirect_uri=https%3A%2F%2Fexample.com%2Fcallback%2F&state=xyz"
)
CURL_TOKEN = (
    "curl -X POST {site}/oauth/token/ -F grant_type=authorization_code"
    ' -F client_id="{client_id}" -F client_secret="{client_secret}" -F code="CODE"'
)
INSTRUCTIONS = """\
Gatehouse demo data is ready.

  Site:           {site}/
  Sign in as:     {username} / {password}
  client_id:      {client_id}
  client_secret:  {client_secret}

1. Open this URL, sign in and press Authorize; copy `code` from the address you land on:
   {site}/oauth/authorize/?{authorize_query}

2. Exchange the code for a token:
   {curl_token}

3. Call the API with it:
   curl {site}/api/whoami/ -H "Authorization: Bearer TOKEN"
"""


class Command(BaseCommand):
    help = "Development only: create (or reset) the demo user and demo application."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000, help="The runserver port.")
        parser.add_argument("--force", action="store_true", help="Run even though DEBUG is off.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_demo creates an account with a published password: it runs only with "
                "DJANGO_DEBUG=1 (or --force)."
            )
        try:
            with transaction.atomic():
                self.seed()
        except ValidationError as exc:
            raise CommandError(validation_message(exc)) from None
        values = {
            "site": f"http://127.0.0.1:{options['port']}",
            "username": USERNAME,
            "password": PASSWORD,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        }
        values["authorize_query"] = AUTHORIZE_QUERY.format(**values)
        values["curl_token"] = CURL_TOKEN.format(**values)
        self.stdout.write(INSTRUCTIONS.format(**values))

    def seed(self) -> None:
        User = get_user_model()
        user, _ = User.objects.get_or_create(username=USERNAME)
        user.set_password(PASSWORD)
        user.display_name = DISPLAY_NAME
        user.is_active = True
        user.save()

        fields: dict[str, Any] = {
            "name": TITLE,
            "redirect_uris": REDIRECT_URIS,
            "client_type": Application.CLIENT_CONFIDENTIAL,
            "allowed_scopes": SCOPES,
            "approved": True,
        }
        app = Application.objects.filter(client_id=CLIENT_ID).first()
        if app is None:
            services.create_application(
                owner=user, client_id=CLIENT_ID, secret=CLIENT_SECRET, **fields
            )
            return
        for name, value in fields.items():
            setattr(app, name, value)
        app.user = user
        app.authorization_grant_type = Application.GRANT_AUTHORIZATION_CODE
        app.hash_client_secret = True
        app.client_secret = CLIENT_SECRET  # hashed on save
        app.full_clean(exclude=["client_secret"])
        app.save()
