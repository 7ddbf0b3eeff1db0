"""Gatehouse's oauthlib request validator: DOT's, plus the rules of the contract.

Where a check fails, the validator notes *why* (`errors.note`), because oauthlib
reports most failures only as `invalid_grant` or `invalid_client`.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from oauth2_provider.models import get_application_model, get_grant_model
from oauth2_provider.oauth2_validators import OAuth2Validator

from oauthapps import errors


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

    def authenticate_client(self, request, *args, **kwargs) -> bool:
        if super().authenticate_client(request, *args, **kwargs):
            return True
        errors.note("invalid_client")
        return False

    def authenticate_client_id(self, client_id, request, *args, **kwargs) -> bool:
        if super().authenticate_client_id(client_id, request, *args, **kwargs):
            return True
        errors.note("invalid_client")
        return False

    def is_pkce_required(self, client_id, request) -> bool:
        client = request.client
        if client is not None and client.client_id == client_id:
            return client.is_public
        return pkce_required(client_id)

    def validate_grant_type(self, client_id, grant_type, client, request, *args, **kwargs) -> bool:
        if super().validate_grant_type(client_id, grant_type, client, request, *args, **kwargs):
            return True
        errors.note("unauthorized_client")
        return False

    def validate_scopes(self, client_id, scopes, client, request, *args, **kwargs) -> bool:
        if super().validate_scopes(client_id, scopes, client, request, *args, **kwargs):
            return True
        allowed = client.scope_list
        errors.note(
            "invalid_scope",
            scope=" ".join(s for s in scopes if s not in allowed),
            allowed=", ".join(allowed),
        )
        return False

    # ---- authorization codes ----------------------------------------------------------

    def _grant(self, code, request):
        """The grant validate_code locked and checked, loaded once per request."""
        grant = getattr(request, "gatehouse_grant", None)
        if grant is None or grant.code != code:
            grant = get_grant_model().objects.get(code=code, application=request.client)
        return grant

    def validate_code(self, client_id, code, client, request, *args, **kwargs) -> bool:
        Grant = get_grant_model()
        grants = Grant.objects.select_related("user").filter(code=code, application=client)
        if transaction.get_connection().in_atomic_block:
            # Concurrent redemptions of one code queue here; the loser finds it gone.
            grants = grants.select_for_update(of=("self",))
        try:
            grant = grants.first()
        except ValueError:  # e.g. a NUL byte, which PostgreSQL refuses outright
            grant = None
        if grant is None or grant.is_expired() or not client.is_visible_to(grant.user):
            errors.note("invalid_code")
            return False
        if request.code_verifier is not None and not grant.code_challenge:
            errors.note("unexpected_code_verifier")
            return False

        request.gatehouse_grant = grant
        request.scopes = grant.scope.split()
        request.user = grant.user
        if grant.nonce:
            request.nonce = grant.nonce
        return True

    def get_code_challenge(self, code, request):
        challenge = self._grant(code, request).code_challenge or None
        if challenge:
            # If oauthlib refuses the request after this, the verifier was wrong.
            errors.note("invalid_code_verifier")
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
        errors.clear_note()
        if grant.redirect_uri_allowed(redirect_uri):
            return True
        errors.note("redirect_uri_mismatch")
        return False

    # ---- refresh tokens -----------------------------------------------------------------

    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs) -> bool:
        valid = super().validate_refresh_token(refresh_token, client, request, *args, **kwargs)
        if valid:
            # Refresh tokens live REFRESH_TOKEN_EXPIRE_SECONDS from their own issue.
            lifetime = timedelta(seconds=settings.REFRESH_TOKEN_EXPIRE_SECONDS)
            fresh = request.refresh_token_instance.created + lifetime > timezone.now()
            valid = fresh and client.is_visible_to(request.user)
        if not valid:
            errors.note("invalid_refresh_token")
        return valid
