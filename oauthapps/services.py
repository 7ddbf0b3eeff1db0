"""Writes, as keyword-only functions (views stay thin); reads are in oauthapps/selectors.py,
request parsing in oauthapps/protocol/parsing.py."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_grant_model,
    get_refresh_token_model,
)

from oauthapps import selectors
from oauthapps.conf import app_settings
from oauthapps.protocol import scopes as scope_utils

Application = get_application_model()
AccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()
Grant = get_grant_model()


# ---- applications ---------------------------------------------------------------------


def create_application(*, owner, secret: str | None = None, **fields) -> tuple[Application, str]:
    """Create an application; returns it with its plain secret (shown once, then hashed)."""
    plain = secret or generate_client_secret()
    fields.setdefault("approved", app_settings.APPROVE_NEW_APPLICATIONS)
    app = Application(
        user=owner,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        client_secret=plain,
        **fields,
    )
    app.full_clean(exclude=["client_secret"])
    app.save()
    return app, plain


def regenerate_secret(*, application: Application) -> str:
    """A new secret replaces the old one at once; returns it (shown once)."""
    plain = generate_client_secret()
    application.client_secret = plain
    application.save(update_fields=["client_secret", "updated"])
    return plain


def _revoke_tokens(**filters) -> int:
    """Revoke matching refresh tokens and delete matching access tokens, in bulk.

    The refresh tokens are locked first, so a refresh in flight finishes before the
    revocation reads the table again, and the pair it minted is revoked too.
    """
    list(RefreshToken.objects.select_for_update().filter(**filters).order_by("pk").values("pk"))
    now = timezone.now()
    refresh_tokens = RefreshToken.objects.filter(revoked__isnull=True, **filters).update(
        revoked=now, updated=now, access_token=None
    )
    access_tokens, _ = AccessToken.objects.filter(**filters).delete()
    return refresh_tokens + access_tokens


@transaction.atomic
def revoke_all_tokens(*, application: Application) -> int:
    """Revoke every token of the application; returns how many people lost access."""
    users = selectors.application_user_count(application=application)
    _revoke_tokens(application=application)
    return users


def revoke_token(*, token: AccessToken | RefreshToken) -> None:
    """Revoke a token and every token of its family (all rotations of one authorization).

    An access token takes its refresh token along, and vice versa; an access token that
    has no refresh token (client credentials) is simply deleted.
    """
    if isinstance(token, AccessToken):
        family = getattr(token, "family", None)
        if family is None:
            family = (
                RefreshToken.objects.filter(access_token=token)
                .values_list("token_family", flat=True)
                .first()
            )
        if family is None and token.source_refresh_token_id is not None:
            family = (
                RefreshToken.objects.filter(pk=token.source_refresh_token_id)
                .values_list("token_family", flat=True)
                .first()
            )
    else:
        family = token.token_family
    if family is not None:
        revoke_token_family(family=family)  # the family's access tokens go with it
    elif isinstance(token, AccessToken):
        AccessToken.objects.filter(pk=token.pk).delete()  # no refresh token: client credentials
    elif token.revoked is None:
        token.revoke()


@transaction.atomic
def revoke_token_family(*, family) -> bool:
    """Revoke every refresh token of a family and delete their access tokens.

    Returns whether anything was still live. The family's rows are locked first (in
    primary-key order, as rotation locks them), so a rotation in flight commits before
    the family is read again, and the pair it minted is revoked as well: the DELETE and
    the UPDATE that follow are new statements, which see that pair (the locking read's
    own snapshot does not). Nothing else refers to an access token, so the DELETE needs
    none of Django's cascade collection; the UPDATE then unlinks the deleted rows in the
    same transaction (the foreign key is checked at commit).
    """
    if family is None:
        return False
    locked = list(
        RefreshToken.objects.select_for_update()
        .filter(token_family=family)
        .order_by("pk")
        .values_list("revoked", "access_token_id")
    )
    now = timezone.now()
    held = RefreshToken.objects.filter(token_family=family, access_token__isnull=False)
    deleted = AccessToken.objects.filter(pk__in=held.values("access_token_id"))._raw_delete(
        AccessToken.objects.db
    )
    RefreshToken.objects.filter(token_family=family).update(
        revoked=Coalesce("revoked", Value(now)), access_token=None, updated=now
    )
    return bool(deleted) or any(revoked is None for revoked, _ in locked)


def register_application(
    *, name: str, redirect_uris: list[str], scopes: list[str], website: str = ""
) -> tuple[Application, str]:
    """Mastodon-style self-registration: an ownerless confidential application."""
    try:
        scopes = scope_utils.registration_scopes(scopes)
    except scope_utils.UnknownScopes as exc:
        raise ValidationError(
            {"scopes": [f"must be a subset of: {', '.join(exc.available)}"]}
        ) from None
    return create_application(
        owner=None,
        name=name,
        redirect_uris=" ".join(redirect_uris),
        client_type=Application.CLIENT_CONFIDENTIAL,
        allowed_scopes=" ".join(scopes),
        website=website,
    )


# ---- a person's authorizations ------------------------------------------------------------


@transaction.atomic
def revoke_authorization(*, user, application: Application) -> bool:
    """Revoke every token the person granted the application; whether there was any."""
    return _revoke_tokens(user=user, application=application) > 0


@transaction.atomic
def revoke_all_authorizations(*, user) -> list[Application]:
    """End every application's access to the person's account (after a password change):
    all their tokens, and the codes not yet redeemed. Returns the applications that held
    live tokens."""
    applications = [entry.application for entry in selectors.authorized_applications(user=user)]
    _revoke_tokens(user=user)
    Grant.objects.filter(user=user, redeemed_at__isnull=True).delete()
    return applications
