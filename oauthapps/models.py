"""OAuth models: django-oauth-toolkit's, swapped into this app so Gatehouse can extend them.

All five are swapped (Application, AccessToken, RefreshToken, Grant, IDToken) before the
first migration: swapping later needs a hand-written data migration, and AccessToken
and RefreshToken point at each other so they must live in the same app.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinLengthValidator
from django.db import models
from django.db.models.functions import Lower
from oauth2_provider.models import (
    AbstractAccessToken,
    AbstractApplication,
    AbstractGrant,
    AbstractIDToken,
    AbstractRefreshToken,
)
from oauth2_provider.settings import oauth2_settings

from oauthapps import titles
from oauthapps.conf import app_settings
from oauthapps.protocol import redirect_uris

TITLE_TAKEN = "An application with this title already exists."


class Application(AbstractApplication):
    """A client: a third-party application people can authorize."""

    # DOT's `name` is the application's title.
    name = models.CharField(
        "title",
        max_length=30,
        validators=[MinLengthValidator(5)],
        help_text="5 to 30 characters; shown to people on the consent page.",
    )
    description = models.TextField(max_length=300, blank=True)
    website = models.URLField(blank=True, max_length=500)
    allowed_scopes = models.CharField(
        max_length=255,
        # The site's default scope (DOT's DEFAULT_SCOPES), read when models load.
        default=app_settings.DEFAULT_SCOPE,
        help_text="Space-separated scopes this application may request.",
    )
    allow_client_credentials = models.BooleanField(
        default=False,
        help_text="May obtain tokens for itself with the client_credentials grant.",
    )
    approved = models.BooleanField(
        default=True, help_text="Unapproved applications work only for their owner."
    )
    verified = models.BooleanField(
        default=False, help_text="Shown with a verified badge on the consent page."
    )
    is_resource_server = models.BooleanField(
        default=False, help_text="May introspect tokens issued to other applications."
    )

    class Meta(AbstractApplication.Meta):
        swappable = "OAUTH2_PROVIDER_APPLICATION_MODEL"
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="oauthapps_application_title_unique",
                violation_error_message=TITLE_TAKEN,
            )
        ]

    def __str__(self) -> str:
        return self.name or self.client_id

    @property
    def title(self) -> str:
        return self.name

    @property
    def is_public(self) -> bool:
        return self.client_type == self.CLIENT_PUBLIC

    @property
    def redirect_uri_list(self) -> list[str]:
        return redirect_uris.split_redirect_uris(self.redirect_uris)

    @property
    def scope_list(self) -> list[str]:
        catalogue = app_settings.SCOPES
        return [s for s in self.allowed_scopes.split() if s in catalogue]

    def is_visible_to(self, user) -> bool:
        """An unapproved application exists only for its owner."""
        return self.approved or (user is not None and user.pk == self.user_id)

    def redirect_uri_allowed(self, uri: str) -> bool:
        return redirect_uris.redirect_uri_matches(uri, self.redirect_uri_list)

    def allows_grant_type(self, *grant_types) -> bool:
        if self.GRANT_CLIENT_CREDENTIALS in grant_types and self.allow_client_credentials:
            return True
        return self.authorization_grant_type in grant_types

    @classmethod
    def from_db(cls, db, field_names, values):
        application = super().from_db(db, field_names, values)
        application._stored_title = application.__dict__.get("name")
        return application

    def clean(self) -> None:
        problems: dict[str, list[str]] = {}
        if self.name != getattr(self, "_stored_title", None):
            # A title set or changed (every path: settings pages, createapp, the API,
            # the admin) must not pass for another application's (oauthapps/titles.py).
            others = type(self)._default_manager.exclude(pk=self.pk).values_list("name", flat=True)
            try:
                titles.check_title(self.name, others=others)
            except ValidationError as exc:
                problems["name"] = exc.messages
        uri_errors = redirect_uris.problems(self.redirect_uri_list)
        if (
            not self.redirect_uri_list
            and self.authorization_grant_type == self.GRANT_AUTHORIZATION_CODE
        ):
            uri_errors.append(redirect_uris.REQUIRED)
        if uri_errors:
            problems["redirect_uris"] = uri_errors
        if problems:
            raise ValidationError(problems)


class Grant(AbstractGrant):
    """An authorization code.

    `code` holds the SHA-256 digest of the code, never the code itself. A redeemed code
    is kept (with `redeemed_at` and the token family it started) until it expires, so a
    second redemption is recognised as a replay and that family is revoked.
    """

    redeemed_at = models.DateTimeField(null=True, blank=True, editable=False)
    token_family = models.UUIDField(null=True, blank=True, editable=False)
    # The sign-in session that approved the code (oauthapps/sessions.py): its sign-in time
    # and identifier travel into the ID token (`auth_time`, `sid`).
    auth_time = models.DateTimeField(null=True, blank=True, editable=False)
    sid = models.CharField(max_length=64, blank=True, editable=False)

    class Meta(AbstractGrant.Meta):
        swappable = "OAUTH2_PROVIDER_GRANT_MODEL"

    def redirect_uri_allowed(self, uri: str) -> bool:
        # The token request must repeat the exact redirect_uri of the authorization request.
        return uri == self.redirect_uri


class AccessToken(AbstractAccessToken):
    class Meta(AbstractAccessToken.Meta):
        swappable = "OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL"


class RefreshToken(AbstractRefreshToken):
    class Meta(AbstractRefreshToken.Meta):
        swappable = "OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL"


class IDToken(AbstractIDToken):
    class Meta(AbstractIDToken.Meta):
        swappable = "OAUTH2_PROVIDER_ID_TOKEN_MODEL"


class AuditEntry(models.Model):
    """Who did what to which application, when and from where. Never holds a secret."""

    class Action(models.TextChoices):
        APP_CREATED = "app_created", "Application created"
        APP_EDITED = "app_edited", "Application edited"
        APP_DELETED = "app_deleted", "Application deleted"
        SECRET_REGENERATED = "secret_regenerated", "Client secret regenerated"
        TOKENS_REVOKED = "tokens_revoked", "All tokens revoked by the owner"
        AUTHORIZATION_GRANTED = "authorization_granted", "Authorization granted"
        AUTHORIZATION_REVOKED = "authorization_revoked", "Authorization revoked"
        CODE_REPLAY = "code_replay", "Authorization code replay detected"
        REFRESH_REUSE = "refresh_reuse", "Refresh token reuse detected"
        ADMIN_ACTION = "admin_action", "Changed by staff in the admin"

    created = models.DateTimeField(auto_now_add=True, db_index=True)
    action = models.CharField(max_length=32, choices=Action.choices)
    # Who: the person acting (None for the system, e.g. replay detection).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(max_length=150, blank=True)
    # Which app: the name and client_id survive the application's deletion.
    application = models.ForeignKey(
        oauth2_settings.APPLICATION_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    application_name = models.CharField(max_length=255, blank=True)
    client_id = models.CharField(max_length=100, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.get_action_display()} ({self.application_name or '-'})"
