"""Gatehouse's oauthlib request validator: DOT's, plus the rules of the contract.

Where a check fails, the validator writes *why* on the oauthlib request
(`errors.refuse`), because oauthlib reports most failures only as `invalid_grant` or
`invalid_client`; the token view reads it from there.

At the token endpoint the client was parsed and loaded once by the view
(`request.gatehouse_token_request`: credentials and the application): client
authentication checks those, with no second query and no second parse of HTTP Basic.
"""

from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_grant_model,
    get_refresh_token_model,
)
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.settings import oauth2_settings

from oauthapps import audit, errors, selectors, services
from oauthapps.conf import app_settings
from oauthapps.protocol import openid
from oauthapps.protocol.digests import digest
from plumbing.prepared import PreparedRead


# The token endpoint's reads, compiled once (plumbing/prepared.py): a code with its person,
# a refresh token (the live one first) with its access token and person; each also in a
# locking variant for the token view's transaction.
def _grants(code, application_id):
    return (
        get_grant_model()
        .objects.select_related("user")
        .filter(code=code, application_id=application_id)
    )


def _refresh_tokens(checksum, application_id):
    return (
        get_refresh_token_model()
        .objects.select_related("access_token", "user")
        .filter(token_checksum=checksum, application_id=application_id)
        .order_by(F("revoked").desc(nulls_first=True))
    )


_grant = PreparedRead(_grants, kinds=(str, int))
_locked_grant = PreparedRead(
    lambda *args: _grants(*args).select_for_update(of=("self",)), kinds=(str, int)
)
_refresh_token = PreparedRead(_refresh_tokens, kinds=(str, int))
_locked_refresh_token = PreparedRead(
    lambda *args: _refresh_tokens(*args).select_for_update(of=("self",)), kinds=(str, int)
)


def pkce_required(client_id: str) -> bool:
    """PKCE is required for public clients and optional for confidential ones."""
    Application = get_application_model()
    client_type = (
        Application.objects.filter(client_id=client_id)
        .values_list("client_type", flat=True)
        .first()
    )
    return client_type != Application.CLIENT_CONFIDENTIAL


class Validator(OAuth2Validator):
    # ---- clients ------------------------------------------------------------------

    def client_authentication_required(self, request, *args, **kwargs) -> bool:
        parsed = getattr(request, "gatehouse_token_request", None)
        if parsed is None:
            return super().client_authentication_required(request, *args, **kwargs)
        client = parsed.client
        return parsed.credentials.secret is not None or client is None or not client.is_public

    def authenticate_client(self, request, *args, **kwargs) -> bool:
        parsed = getattr(request, "gatehouse_token_request", None)
        if parsed is None:
            authenticated = super().authenticate_client(request, *args, **kwargs)
        else:
            client = selectors.authenticated_client(
                client=parsed.client, credentials=parsed.credentials, allow_public=False
            )
            authenticated = client is not None and client.is_usable(request)
            if authenticated:
                request.client, request.client_id = client, client.client_id
        # An unapproved application works only for its owner signing in with it: it gets
        # no token of its own, and is answered as if it did not exist.
        if authenticated and request.grant_type == "client_credentials":
            authenticated = request.client.approved
        return authenticated or errors.refuse(request, "invalid_client")

    def authenticate_client_id(self, client_id, request, *args, **kwargs) -> bool:
        parsed = getattr(request, "gatehouse_token_request", None)
        if parsed is None:
            authenticated = super().authenticate_client_id(client_id, request, *args, **kwargs)
        else:
            client = parsed.client
            authenticated = (
                client is not None
                and client.client_id == client_id
                and client.is_public
                and client.is_usable(request)
            )
            if authenticated:
                request.client = client
        return authenticated or errors.refuse(request, "invalid_client")

    def is_pkce_required(self, client_id, request) -> bool:
        client = request.client
        if client is not None and client.client_id == client_id:
            return client.is_public
        return pkce_required(client_id)

    def validate_grant_type(self, client_id, grant_type, client, request, *args, **kwargs) -> bool:
        if super().validate_grant_type(client_id, grant_type, client, request, *args, **kwargs):
            return True
        return errors.refuse(request, "unauthorized_client")

    def validate_scopes(self, client_id, scopes, client, request, *args, **kwargs) -> bool:
        # `openid` signs a person in: an application's own token (client credentials) has
        # no person, so the scope is not on offer there.
        person = request.grant_type != "client_credentials"
        if (person or "openid" not in scopes) and super().validate_scopes(
            client_id, scopes, client, request, *args, **kwargs
        ):
            return True
        allowed = [s for s in client.scope_list if person or s != "openid"]
        return errors.refuse(
            request,
            "invalid_scope",
            scope=" ".join(s for s in scopes if s not in allowed),
            allowed=", ".join(allowed),
        )

    # ---- authorization codes ----------------------------------------------------------
    # Codes are stored as SHA-256 digests (Grant.code); every lookup digests first.

    def _create_authorization_code(self, request, code, expires=None):
        grant = super()._create_authorization_code(
            request, {**code, "code": digest(code["code"])}, expires
        )
        # The sign-in session behind the code (oauthapps/sessions.py), for the ID token.
        auth_time = getattr(request, "gatehouse_auth_time", None)
        sid = getattr(request, "gatehouse_sid", None) or ""
        if auth_time is not None or sid:
            grant.auth_time = datetime.fromtimestamp(auth_time, tz=UTC) if auth_time else None
            grant.sid = sid
            grant.save(update_fields=["auth_time", "sid"])
        return grant

    def _grant(self, code, request):
        """The grant validate_code locked and checked, loaded once per request."""
        grant = getattr(request, "gatehouse_grant", None)
        if grant is None or grant.code != digest(code):
            grant = get_grant_model().objects.get(code=digest(code), application=request.client)
        return grant

    def validate_code(self, client_id, code, client, request, *args, **kwargs) -> bool:
        # Concurrent redemptions of one code queue on the row lock (the token view's
        # transaction); each later one finds it redeemed.
        locked = transaction.get_connection().in_atomic_block
        grant = (_locked_grant if locked else _grant).first(digest(code), client.pk)
        if grant is not None and grant.redeemed_at is not None:
            self._code_replayed(grant, request)
            return errors.refuse(request, "invalid_code")
        if grant is None or grant.is_expired() or not client.is_visible_to(grant.user):
            return errors.refuse(request, "invalid_code")
        if request.code_verifier is not None and not grant.code_challenge:
            return errors.refuse(request, "unexpected_code_verifier")

        request.gatehouse_grant = grant
        request.scopes = grant.scope.split()
        request.user = grant.user
        if grant.nonce:
            request.nonce = grant.nonce
        return True

    def _code_replayed(self, grant, request) -> None:
        """RFC 9700 §4.5: a second redemption revokes everything the first one issued."""
        if grant.token_family is not None:
            services.revoke_token_family(family=grant.token_family)
        audit.record(
            action=audit.Action.CODE_REPLAY,
            request=request,
            actor=None,
            application=grant.application,
            user=grant.user.get_username(),
            redeemed_at=grant.redeemed_at.isoformat(),
        )

    def invalidate_authorization_code(self, client_id, code, request, *args, **kwargs) -> None:
        """Mark the code redeemed (kept until it expires, to recognise a replay)."""
        grant = self._grant(code, request)
        grant.redeemed_at = timezone.now()
        grant.token_family = getattr(request, "gatehouse_token_family", None)
        grant.save(update_fields=["redeemed_at", "token_family", "updated"])

    def get_authorization_code_scopes(self, client_id, code, redirect_uri, request):
        return super().get_authorization_code_scopes(client_id, digest(code), redirect_uri, request)

    def get_authorization_code_nonce(self, client_id, code, redirect_uri, request):
        # Asked after validate_code, which loaded (and locked) the code: no second query.
        return self._grant(code, request).nonce or None

    def get_code_challenge(self, code, request):
        challenge = self._grant(code, request).code_challenge or None
        if challenge:
            # If oauthlib refuses the request after this, the verifier was wrong.
            errors.refuse(request, "invalid_code_verifier")
        return challenge

    def get_code_challenge_method(self, code, request):
        return self._grant(code, request).code_challenge_method or None

    def get_default_redirect_uri(self, client_id, request, *args, **kwargs):
        # ContentDB clients send no redirect_uri with the code: the code's own is implied.
        grant = getattr(request, "gatehouse_grant", None)
        if grant is not None:
            return grant.redirect_uri
        return super().get_default_redirect_uri(client_id, request, *args, **kwargs)

    def confirm_redirect_uri(
        self, client_id, code, redirect_uri, client, request, *args, **kwargs
    ) -> bool:
        grant = self._grant(code, request)
        errors.forget_refusal(request)
        if grant.redirect_uri_allowed(redirect_uri):
            return True
        return errors.refuse(request, "redirect_uri_mismatch")

    # ---- tokens ---------------------------------------------------------------------------

    def save_bearer_token(self, token, request, *args, **kwargs):
        # The token view already holds a transaction for the grants that write several rows:
        # no savepoint (two round trips) needed. A client credentials token is one INSERT,
        # atomic on its own: no transaction (BEGIN and COMMIT are two more round trips).
        if transaction.get_connection().in_atomic_block or "refresh_token" not in token:
            return self._save_bearer_token(token, request, *args, **kwargs)
        return super().save_bearer_token(token, request, *args, **kwargs)

    def _check_and_set_request_resource(self, request):
        # RFC 8707 resource indicators are not offered (the token endpoint never passes
        # `resource` to oauthlib); DOT would look the grant up again by its plain code.
        request.resource = []

    def _save_bearer_token(self, token, request, *args, **kwargs):
        rt = getattr(request, "refresh_token_instance", None)
        if request.grant_type != "refresh_token" or rt is None or "refresh_token" not in token:
            return super()._save_bearer_token(token, request, *args, **kwargs)
        return self._rotate(token, request, rt)

    def _rotate(self, token, request, rt):
        """Replace a refresh token and its access token with a new pair, in 4 statements.

        validate_refresh_token locked `rt` and found it live, so there is nothing to
        re-check; DOT's general path locks and reads both rows again (11 statements).
        """
        RefreshToken = get_refresh_token_model()
        AccessToken = get_access_token_model()
        now = timezone.now()
        RefreshToken.objects.filter(pk=rt.pk).update(revoked=now, updated=now)
        if rt.access_token_id is not None:
            # The old access token ends now, but its row stays (a digest, linked to the
            # retired refresh token) until clean-up: revoking it a moment later, in a race
            # with this rotation, must still find its family and revoke the new pair.
            AccessToken.objects.filter(pk=rt.access_token_id).update(expires=now, updated=now)
        expires = now + timedelta(
            seconds=token.get("expires_in", oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS)
        )
        access_token = self._create_access_token(expires, request, token, source_refresh_token=rt)
        self._create_refresh_token(request, token["refresh_token"], access_token, rt)
        request.refresh_token_instance = None

    def _create_refresh_token(self, request, refresh_token_code, access_token, previous):
        refresh_token = super()._create_refresh_token(
            request, refresh_token_code, access_token, previous
        )
        request.gatehouse_token_family = refresh_token.token_family
        return refresh_token

    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs) -> bool:
        """A live refresh token of this client, locked for the rest of the token request.

        Concurrent refreshes with one token queue on the row lock: the first rotates it,
        the others find it rotated a moment ago and are refused without harm. Presenting
        a token rotated out longer ago than OAUTHAPPS["REFRESH_TOKEN_REUSE_GRACE_SECONDS"] is reuse
        (RFC 9700 §4.14.2): the whole family is revoked and the reuse is audited.
        """
        locked = transaction.get_connection().in_atomic_block
        read = _locked_refresh_token if locked else _refresh_token
        rt = read.first(digest(refresh_token), client.pk)
        valid = rt is not None and self._refresh_token_usable(rt, client, request)
        if not valid:
            return errors.refuse(request, "invalid_refresh_token")
        request.user = rt.user
        request.refresh_token = refresh_token
        request.refresh_token_instance = rt
        return True

    def _refresh_token_usable(self, rt, client, request) -> bool:
        now = timezone.now()
        if rt.revoked is not None:
            grace = timedelta(seconds=app_settings.REFRESH_TOKEN_REUSE_GRACE_SECONDS)
            if rt.revoked + grace <= now and services.revoke_token_family(family=rt.token_family):
                audit.record(
                    action=audit.Action.REFRESH_REUSE,
                    request=request,
                    actor=None,
                    application=client,
                    user=rt.user.get_username(),
                    revoked_at=rt.revoked.isoformat(),
                )
            return False
        if rt.access_token is None:  # an orphan: its access token was revoked
            return False
        # Refresh tokens live REFRESH_TOKEN_EXPIRE_SECONDS from their own issue.
        lifetime = timedelta(seconds=oauth2_settings.REFRESH_TOKEN_EXPIRE_SECONDS)
        return rt.created + lifetime > now and client.is_visible_to(rt.user)

    # ---- OpenID Connect (oauthapps/protocol/openid.py) -------------------------------

    def get_oidc_issuer_endpoint(self, request) -> str:
        # The issuer of the metadata and of RFC 9207's `iss` (DOT would reverse its own
        # discovery URL, which Gatehouse does not mount).
        return openid.issuer(request)

    def get_oidc_claims(self, token, token_handler, request) -> dict:
        """The claims about the person that the token's scopes release (openid.CLAIM_SCOPES).

        A claim without a value (no email address) is left out, not sent empty.
        """
        scopes = set(request.scopes or ())
        return {
            name: value
            for name, value in openid.person_claims(request.user).items()
            if openid.CLAIM_SCOPES[name] in scopes and value
        }

    def get_discovery_claims(self, request) -> list[str]:
        return list(openid.CLAIMS_SUPPORTED)

    def finalize_id_token(self, id_token, token, token_handler, request) -> str:
        """Sign the ID token RS256 with the server's key, whatever Application.algorithm says.

        DOT signs with the application's algorithm, and "" (every Gatehouse application)
        means no ID token at all; see oauthapps/protocol/openid.py. The claims are DOT's:
        iss, exp, jti and the person's claims, over oauthlib's aud, iat, nonce, at_hash;
        `auth_time` and `sid` are the approving sign-in session's, carried on the code
        (oauthapps/sessions.py; DOT's auth_time, the person's last sign-in anywhere, only
        when the code has none).
        """
        claims, expires = self.get_id_token_dictionary(token, token_handler, request)
        id_token.update(claims)
        grant = getattr(request, "gatehouse_grant", None)
        if grant is not None and grant.auth_time is not None:
            id_token["auth_time"] = int(grant.auth_time.timestamp())
        if grant is not None and grant.sid:
            id_token["sid"] = grant.sid
        if "nonce" not in id_token and request.nonce:
            id_token["nonce"] = request.nonce
        signed = openid.sign(id_token)
        # Only the jti is stored (as DOT does); the token view's transaction covers it.
        request.id_token = request.access_token = self._save_id_token(
            id_token["jti"], request, expires
        )
        return signed

    def _get_key_for_token(self, token):
        # Every ID token is signed with the server's key (finalize_id_token).
        return openid.signing_key()

    def validate_bearer_token(self, token, scopes, request) -> bool:
        """DOT's check (live, with the scopes), plus Gatehouse's: the application still
        exists for the token's person (selectors.find_access_token), and the userinfo
        endpoint (`openid`) answers only a person's token."""
        if not super().validate_bearer_token(token, scopes, request):
            return False
        access_token = request.access_token
        user, application = access_token.user, access_token.application
        if application is not None and not application.is_visible_to(user):
            return False  # unapproved: only its owner's tokens work (app tokens have no user)
        return user is not None or "openid" not in (scopes or ())
