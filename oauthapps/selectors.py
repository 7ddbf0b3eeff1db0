"""Reads: the rows an endpoint needs, each in as few queries as the answer allows.

The per-request lookups of the machine endpoints (a bearer token with its person and
application; an application by client_id) are `PreparedRead`s: written with the ORM,
compiled once (plumbing/prepared.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.hashers import check_password
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_refresh_token_model,
)
from oauth2_provider.settings import oauth2_settings

from oauthapps.protocol.digests import digest
from oauthapps.protocol.parsing import MAX_PARAM_LENGTH, ClientCredentials
from plumbing.prepared import PreparedRead

Application = get_application_model()
AccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()

_client_by_id = PreparedRead(lambda client_id: Application.objects.filter(client_id=client_id))
# What revocation and introspection read of the client that authenticates there.
_client_credentials_by_id = PreparedRead(
    lambda client_id: Application.objects.only(
        "client_id", "client_secret", "client_type", "approved", "user_id", "is_resource_server"
    ).filter(client_id=client_id)
)
# The columns whoami, introspection, userinfo and delete-token read, and no others (a
# person's password hash or an application's secret hash has no business in this row).
_BEARER_COLUMNS = (
    "expires",
    "scope",
    "created",
    "user_id",
    "application_id",
    "source_refresh_token_id",
    "user__username",
    "user__display_name",
    "user__email",
    "application__client_id",
    "application__name",
    "application__approved",
    "application__user_id",
    "application__client_type",
)
_access_token_by_checksum = PreparedRead(
    lambda checksum: (
        AccessToken.objects.select_related("user", "application")
        .only(*_BEARER_COLUMNS)
        .filter(token_checksum=checksum)
    )
)


def _with_family(access_tokens):
    """Annotate access tokens with their refresh token's family, read in the same query.

    Read together, the family is known even if a rotation commits a moment later and
    unlinks the refresh token, so revoking the token can still revoke what replaced it.
    """
    family = RefreshToken.objects.filter(access_token=OuterRef("pk")).values("token_family")
    return access_tokens.annotate(family=Subquery(family[:1]))


_access_token_with_family = PreparedRead(
    lambda checksum: _with_family(
        AccessToken.objects.select_related("user", "application")
        .only(*_BEARER_COLUMNS)
        .filter(token_checksum=checksum)
    )
)


# ---- clients ------------------------------------------------------------------------------


def client_by_id(client_id: str | None, *, credentials_only: bool = False) -> Application | None:
    """The application with this client_id (one query), or None.

    `credentials_only`: just what authenticating it and checking a token's owner need
    (revocation, introspection); the token endpoint reads the whole row for oauthlib.
    """
    if not client_id or len(client_id) > MAX_PARAM_LENGTH:
        return None
    read = _client_credentials_by_id if credentials_only else _client_by_id
    return read.first(client_id)


def application_for_authorization(client_id: str) -> Application | None:
    """The application an authorization request names, with its owner (for the page)."""
    return Application.objects.select_related("user").filter(client_id=client_id).first()


def authenticated_client(
    *, client: Application | None, credentials: ClientCredentials, allow_public: bool = True
) -> Application | None:
    """`client` if the credentials prove it, else None (no query: `client` is loaded).

    Public clients identify themselves with client_id alone (RFC 7009 §2.1) where
    `allow_public`; introspection does not allow it (RFC 7662 §2.1, against token scanning).
    """
    if client is None:
        return None
    if client.is_public and credentials.secret is None:
        return client if allow_public else None
    if credentials.secret and check_password(credentials.secret, client.client_secret):
        return client
    return None


# ---- tokens -------------------------------------------------------------------------------


def usable_by_holder(token) -> bool:
    """Whether the token's application still exists for the token's holder: an unapproved
    application works only for its owner, so its own client-credentials tokens, which
    have no user, are dead."""
    application = token.application
    return application is None or application.is_visible_to(token.user)


def find_access_token(*, token: str) -> AccessToken | None:
    """The live access token with this value, with its user and application (one query)."""
    if not token or len(token) > MAX_PARAM_LENGTH:
        return None
    access_token = _access_token_by_checksum.first(digest(token))
    if access_token is None or access_token.is_expired() or not usable_by_holder(access_token):
        return None
    return access_token


def find_any_token(
    *, token: str, hint: str | None = None, with_family: bool = True
) -> AccessToken | RefreshToken | None:
    """An access or refresh token with this value (the hint decides which is tried first).

    `with_family` (revocation) also reads an access token's family in the same query.
    """
    if not token or len(token) > MAX_PARAM_LENGTH:
        return None
    checksum = digest(token)
    models = [AccessToken, RefreshToken]
    if hint == "refresh_token":
        models.reverse()
    for model in models:
        if model is AccessToken:
            read = _access_token_with_family if with_family else _access_token_by_checksum
            found = read.first(checksum)
        else:
            found = (
                RefreshToken.objects.select_related("user", "application")
                .filter(token_checksum=checksum)
                .order_by(F("revoked").desc(nulls_first=True))
                .first()
            )
        if found is not None:
            return found
    return None


def is_live(token: AccessToken | RefreshToken) -> bool:
    """Whether the token would be accepted: unexpired, unrevoked, and its application
    still exists for its user (an unapproved application exists only for its owner)."""
    if not usable_by_holder(token):
        return False
    if isinstance(token, AccessToken):
        return not token.is_expired()
    if token.revoked is not None or token.access_token_id is None:
        return False
    return expires_at(token) > timezone.now()


def expires_at(token: AccessToken | RefreshToken):
    if isinstance(token, AccessToken):
        return token.expires
    return token.created + timedelta(seconds=oauth2_settings.REFRESH_TOKEN_EXPIRE_SECONDS)


def refresh_token_scope(token: RefreshToken) -> str:
    access_token = token.access_token
    return access_token.scope if access_token is not None else ""


# ---- a person's authorizations ------------------------------------------------------------


def live_access_tokens(**filters):
    """Access tokens still usable, or whose refresh token still is."""
    now = timezone.now()
    return AccessToken.objects.filter(**filters).filter(
        Q(expires__gt=now) | Q(refresh_token__revoked__isnull=True, refresh_token__isnull=False)
    )


def has_authorized(*, user, application: Application, scopes: list[str]) -> bool:
    """Whether the person already granted these scopes and still holds a live token.

    Never for a public client (RFC 8252 §8.6): anyone can send its client_id with a
    loopback redirect URI (any page, any program on the machine), so without a client
    secret only the person's own press of Authorize shows the request is theirs.
    """
    if application.is_public:
        return False
    live = live_access_tokens(user=user, application=application)
    return any(set(scopes) <= set(scope.split()) for scope in live.values_list("scope", flat=True))


@dataclass
class Authorization:
    application: Application
    scopes: list[str]
    last_used: object  # datetime of the newest token issued


def authorized_applications(*, user) -> list[Authorization]:
    """Applications the person granted access to and that still hold a live token."""
    live = (
        live_access_tokens(user=user)
        .select_related("application", "application__user")
        .order_by("-created")
    )
    found: dict[int, Authorization] = {}
    for token in live:
        entry = found.get(token.application_id)
        if entry is None:
            entry = found[token.application_id] = Authorization(
                token.application, [], token.created
            )
        entry.scopes.extend(s for s in token.scope.split() if s not in entry.scopes)
    return list(found.values())


def application_user_count(*, application: Application) -> int:
    """How many people hold live tokens for the application."""
    now = timezone.now()
    return (
        AccessToken.objects.filter(application=application, user__isnull=False, expires__gt=now)
        .values("user")
        .union(
            RefreshToken.objects.filter(application=application, revoked__isnull=True).values(
                "user"
            )
        )
        .count()
    )
