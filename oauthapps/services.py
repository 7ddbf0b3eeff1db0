"""Logic that spans models, as keyword-only functions (views stay thin)."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import unquote_plus

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.http import HttpRequest
from django.utils import timezone
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_grant_model,
    get_refresh_token_model,
)

from oauthapps import scopes as scope_utils
from oauthapps.conf import app_settings
from oauthapps.digests import digest
from oauthapps.errors import OAuthError, invalid_scope, unsupported_grant_type
from oauthapps.redirect_uris import OOB_URI

Application = get_application_model()
AccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()
Grant = get_grant_model()

_CODE_CHALLENGE = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
_MAX_PARAM_LENGTH = 4096
_MAX_NONCE_LENGTH = 255  # Grant.nonce


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
    users = application_user_count(application=application)
    _revoke_tokens(application=application)
    return users


# ---- the authorization endpoint --------------------------------------------------------


@dataclass
class AuthorizationRequest:
    application: Application
    redirect_uri: str
    scopes: list[str]
    state: str | None
    params: dict[str, str]

    @property
    def is_oob(self) -> bool:
        return self.redirect_uri == OOB_URI


def _single(query, name: str) -> str | None:
    values = query.getlist(name)
    if not values:
        return None
    if len(values) > 1:
        raise OAuthError("duplicate_parameter", {"param": name})
    value = values[0]
    if "\x00" in value or len(value) > _MAX_PARAM_LENGTH:
        raise OAuthError("invalid_parameter", {"param": name})
    return value


def check_authorization_request(*, query, user) -> AuthorizationRequest:
    """Validate an authorization request in ContentDB's order, with its messages.

    Raises OAuthError; the caller shows it on a page and never redirects.
    """
    response_type = _single(query, "response_type") or "code"
    if response_type != "code":
        raise OAuthError("unsupported_response_type")

    client_id = _single(query, "client_id")
    if not client_id:
        raise OAuthError("missing_client_id")
    redirect_uri = _single(query, "redirect_uri")
    if not redirect_uri:
        raise OAuthError("missing_redirect_uri")

    application = Application.objects.select_related("user").filter(client_id=client_id).first()
    if application is None or not application.is_visible_to(user):
        raise OAuthError("unknown_client")
    if not application.allows_grant_type(Application.GRANT_AUTHORIZATION_CODE):
        raise OAuthError("unauthorized_client", {"grant_type": "authorization_code"})
    if not application.redirect_uri_allowed(redirect_uri):
        raise OAuthError("redirect_uri_not_registered")

    raw_scope = _single(query, "scope")
    requested = scope_utils.parse_scope(raw_scope) or [app_settings.DEFAULT_SCOPE]
    allowed = application.scope_list
    if not set(requested) <= set(allowed):
        raise invalid_scope(" ".join(s for s in requested if s not in allowed), allowed)

    challenge = _single(query, "code_challenge")
    method = _single(query, "code_challenge_method")
    if challenge is None and method is None:
        if application.is_public:
            raise OAuthError("missing_code_challenge")
    else:
        if method != "S256":
            raise OAuthError("unsupported_code_challenge_method")
        if not challenge or not _CODE_CHALLENGE.match(challenge):
            raise OAuthError("invalid_code_challenge")

    state = _single(query, "state")
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": " ".join(requested),
    }
    if state is not None:
        params["state"] = state
    if challenge is not None:
        params["code_challenge"] = challenge
        params["code_challenge_method"] = method
    # OpenID Connect's nonce, carried through the code into the ID token verbatim (a plain
    # OAuth request's nonce means nothing and is ignored, as unknown parameters are).
    nonce = _single(query, "nonce") if "openid" in requested else None
    if nonce is not None:
        if len(nonce) > _MAX_NONCE_LENGTH:
            raise OAuthError("invalid_parameter", {"param": "nonce"})
        params["nonce"] = nonce
    return AuthorizationRequest(
        application=application,
        redirect_uri=redirect_uri,
        scopes=requested,
        state=state,
        params=params,
    )


def _live_access_tokens(**filters):
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
    live = _live_access_tokens(user=user, application=application)
    return any(set(scopes) <= set(scope.split()) for scope in live.values_list("scope", flat=True))


# ---- the token endpoint -----------------------------------------------------------------

_TOKEN_PARAMS = (
    "grant_type",
    "client_id",
    "client_secret",
    "code",
    "redirect_uri",
    "code_verifier",
    "refresh_token",
    "scope",
)


def basic_credentials(request: HttpRequest) -> tuple[str, str] | None:
    """(client_id, client_secret) from an HTTP Basic header (RFC 6749 §2.3.1), or None."""
    scheme, _, value = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        return None
    client_id, secret = unquote_plus(client_id), unquote_plus(secret)
    if any("\x00" in v or len(v) > _MAX_PARAM_LENGTH for v in (client_id, secret)):
        return None
    return client_id, secret


def presented_client_id(request: HttpRequest) -> str | None:
    """The client_id a request claims (HTTP Basic first, then the body), unverified."""
    basic = basic_credentials(request)
    if basic is not None:
        return basic[0]
    values = request.POST.getlist("client_id")
    return values[0][:_MAX_PARAM_LENGTH] if values else None


def check_token_request(*, request: HttpRequest) -> tuple[dict[str, str], str]:
    """The token request's parameters, checked in ContentDB's order.

    Returns (params for oauthlib, grant_type); raises OAuthError with ContentDB's messages.
    """
    params: dict[str, str] = {}
    for name in _TOKEN_PARAMS:
        value = _single(request.POST, name)
        if value is not None:
            params[name] = value
    if "grant_type" not in params:
        # ContentDB read grant_type from the query string too.
        query_grant_type = _single(request.GET, "grant_type")
        if query_grant_type is not None:
            params["grant_type"] = query_grant_type

    grant_type = params.get("grant_type")
    if not grant_type:
        if app_settings.DIALECT != "contentdb":
            raise OAuthError("missing_grant_type")
        grant_type = params["grant_type"] = "authorization_code"
    if grant_type not in app_settings.GRANT_TYPES:
        raise unsupported_grant_type()

    basic = basic_credentials(request)
    basic_client_id = basic[0] if basic else None
    client_id = params.get("client_id") or basic_client_id
    if not client_id:
        raise OAuthError("missing_client_id")
    if basic_client_id is not None and client_id != basic_client_id:
        # Two different clients in one request (oauthlib would answer server_error).
        raise OAuthError("invalid_client")
    if basic_client_id is None and not params.get("client_secret"):
        client_type = (
            Application.objects.filter(client_id=client_id)
            .values_list("client_type", flat=True)
            .first()
        )
        if client_type != Application.CLIENT_PUBLIC:
            raise OAuthError("missing_client_secret")
        params.pop("client_secret", None)

    if grant_type == "authorization_code" and not params.get("code"):
        raise OAuthError("missing_code")
    if grant_type == "refresh_token" and not params.get("refresh_token"):
        raise OAuthError("missing_refresh_token")
    if "scope" in params:
        params["scope"] = " ".join(scope_utils.parse_scope(params["scope"]))
    return params, grant_type


# ---- tokens -------------------------------------------------------------------------------


def find_access_token(*, token: str) -> AccessToken | None:
    """The live access token with this value, with its user and application (one query)."""
    if not token or len(token) > _MAX_PARAM_LENGTH:
        return None
    checksum = digest(token)
    access_token = (
        AccessToken.objects.select_related("user", "application")
        .filter(token_checksum=checksum)
        .first()
    )
    if access_token is None or access_token.is_expired():
        return None
    application = access_token.application
    if application is not None and not application.is_visible_to(access_token.user):
        return None  # unapproved: only its owner's own tokens work (an app token has no user)
    return access_token


def authenticate_client(*, request: HttpRequest, allow_public: bool = True) -> Application | None:
    """The client that authenticated with HTTP Basic or body credentials, or None.

    Public clients identify themselves with client_id alone (RFC 7009 §2.1) where
    `allow_public`; introspection does not allow it (RFC 7662 §2.1, against token scanning).
    """
    basic = basic_credentials(request)
    if basic is not None:
        client_id, secret = basic
    else:
        try:
            client_id = _single(request.POST, "client_id")
            secret = _single(request.POST, "client_secret")
        except OAuthError:  # repeated, NUL bytes, oversized: not credentials
            return None
    if not client_id:
        return None
    application = Application.objects.filter(client_id=client_id).first()
    if application is None:
        return None
    if application.is_public and not secret:
        return application if allow_public else None
    if secret and check_password(secret, application.client_secret):
        return application
    return None


def _with_family(access_tokens):
    """Annotate access tokens with their refresh token's family, read in the same query.

    Read together, the family is known even if a rotation commits a moment later and
    unlinks the refresh token, so revoking the token can still revoke what replaced it.
    """
    family = RefreshToken.objects.filter(access_token=OuterRef("pk")).values("token_family")
    return access_tokens.annotate(family=Subquery(family[:1]))


def find_any_token(*, token: str, hint: str | None = None) -> AccessToken | RefreshToken | None:
    """An access or refresh token with this value (the hint decides which is tried first)."""
    if not token or len(token) > _MAX_PARAM_LENGTH:
        return None
    checksum = digest(token)
    models = [AccessToken, RefreshToken]
    if hint == "refresh_token":
        models.reverse()
    for model in models:
        rows = model.objects.select_related("user", "application").filter(token_checksum=checksum)
        if model is RefreshToken:
            rows = rows.order_by(F("revoked").desc(nulls_first=True))
        else:
            rows = _with_family(rows)
        found = rows.first()
        if found is not None:
            return found
    return None


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
    the family is read again, and the pair it minted is revoked as well.
    """
    if family is None:
        return False
    locked = list(
        RefreshToken.objects.select_for_update()
        .filter(token_family=family)
        .order_by("pk")
        .values_list("pk", "revoked", "access_token_id")
    )
    live = any(revoked is None or at is not None for _, revoked, at in locked)
    now = timezone.now()
    updated = RefreshToken.objects.filter(token_family=family, revoked__isnull=True).update(
        revoked=now, updated=now
    )
    deleted, _ = AccessToken.objects.filter(
        pk__in=RefreshToken.objects.filter(token_family=family).values("access_token_id")
    ).delete()
    return live or bool(updated or deleted)


def is_live(token: AccessToken | RefreshToken) -> bool:
    """Whether the token would be accepted: unexpired, unrevoked, and its application
    still exists for its user (an unapproved application exists only for its owner, so
    its own client-credentials tokens, which have no user, are dead)."""
    application, user = token.application, token.user
    if application is not None and not application.is_visible_to(user):
        return False
    if isinstance(token, AccessToken):
        return not token.is_expired()
    if token.revoked is not None or token.access_token_id is None:
        return False
    return expires_at(token) > timezone.now()


def expires_at(token: AccessToken | RefreshToken):
    if isinstance(token, AccessToken):
        return token.expires
    return token.created + timedelta(seconds=settings.REFRESH_TOKEN_EXPIRE_SECONDS)


def refresh_token_scope(token: RefreshToken) -> str:
    access_token = token.access_token
    return access_token.scope if access_token is not None else ""


def register_application(
    *, name: str, redirect_uris: list[str], scopes: list[str], website: str = ""
) -> tuple[Application, str]:
    """Mastodon-style self-registration: an ownerless confidential application."""
    scopes = scopes or [app_settings.DEFAULT_SCOPE]
    unknown = [s for s in scopes if s not in app_settings.SCOPES]
    if unknown:
        raise ValidationError(
            {"scopes": [f"must be a subset of: {', '.join(app_settings.SCOPES)}"]}
        )
    return create_application(
        owner=None,
        name=name,
        redirect_uris=" ".join(redirect_uris),
        client_type=Application.CLIENT_CONFIDENTIAL,
        allowed_scopes=" ".join(scopes),
        website=website,
    )


# ---- a person's authorizations ------------------------------------------------------------


@dataclass
class Authorization:
    application: Application
    scopes: list[str]
    last_used: object  # datetime of the newest token issued


def authorized_applications(*, user) -> list[Authorization]:
    """Applications the person granted access to and that still hold a live token."""
    live = (
        _live_access_tokens(user=user)
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


@transaction.atomic
def revoke_authorization(*, user, application: Application) -> bool:
    """Revoke every token the person granted the application; whether there was any."""
    return _revoke_tokens(user=user, application=application) > 0


@transaction.atomic
def revoke_all_authorizations(*, user) -> list[Application]:
    """End every application's access to the person's account (after a password change):
    all their tokens, and the codes not yet redeemed. Returns the applications that held
    live tokens."""
    applications = [entry.application for entry in authorized_applications(user=user)]
    _revoke_tokens(user=user)
    Grant.objects.filter(user=user, redeemed_at__isnull=True).delete()
    return applications
