"""Create an OAuth application from the command line and print its credentials as JSON."""

import json
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from oauthapps import services
from oauthapps.models import Application
from oauthapps.protocol.scopes import UnknownScopes, parse_scope, registration_scopes


def validation_message(exc: ValidationError) -> str:
    """One line out of a ValidationError, naming the field where there is one."""
    if hasattr(exc, "error_dict"):
        parts = []
        for field, errors in exc.message_dict.items():
            label = {"__all__": "", "name": "title: "}.get(field, f"{field}: ")
            parts.append(label + " ".join(errors))
        return "; ".join(parts)
    return " ".join(exc.messages)


class Command(BaseCommand):
    help = "Create an OAuth application and print its client_id and client_secret as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--owner", required=True, help="Username of the owner.")
        parser.add_argument("--title", required=True, help="5 to 30 characters.")
        parser.add_argument(
            "--redirect-uri",
            dest="redirect_uris",
            action="append",
            required=True,
            metavar="URI",
            help="A redirect URI; repeat for several.",
        )
        parser.add_argument(
            "--scopes",
            default=None,
            help='Scopes the application may request, e.g. "public email" (default: the '
            "site's default scope).",
        )
        parser.add_argument(
            "--public", action="store_true", help="A public client (no secret kept safe)."
        )
        parser.add_argument(
            "--client-credentials",
            action="store_true",
            help="Allow the client_credentials grant.",
        )
        parser.add_argument("--client-id", help="Use this client_id (with --client-secret).")
        parser.add_argument("--client-secret", help="Use this client_secret (with --client-id).")

    def handle(self, *args: Any, **options: Any) -> None:
        client_id, secret = options["client_id"], options["client_secret"]
        if bool(client_id) != bool(secret):
            raise CommandError("--client-id and --client-secret must be given together.")

        User = get_user_model()
        try:
            owner = User.objects.get_by_natural_key(options["owner"])
        except User.DoesNotExist:
            raise CommandError(f"Unknown owner: {options['owner']}") from None

        try:
            scopes = registration_scopes(parse_scope(options["scopes"]))
        except UnknownScopes as exc:
            raise CommandError(
                f"Unknown scope: {exc} (available: {' '.join(exc.available)})"
            ) from None

        public = options["public"]
        client_type = Application.CLIENT_PUBLIC if public else Application.CLIENT_CONFIDENTIAL
        fields: dict[str, Any] = {}
        if client_id:
            fields["client_id"] = client_id
        try:
            app, plain = services.create_application(
                owner=owner,
                name=options["title"],
                redirect_uris=" ".join(options["redirect_uris"]),
                client_type=client_type,
                allowed_scopes=" ".join(scopes),
                allow_client_credentials=options["client_credentials"],
                secret=secret,
                **fields,
            )
        except ValidationError as exc:
            raise CommandError(validation_message(exc)) from None

        self.stdout.write(
            json.dumps(
                {
                    "client_id": app.client_id,
                    "client_secret": plain,
                    "title": app.name,
                    "redirect_uris": app.redirect_uri_list,
                    "scopes": app.allowed_scopes.split(),
                    "client_type": app.client_type,
                }
            )
        )
