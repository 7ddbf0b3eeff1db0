"""DRF authentication and permissions for bearer tokens issued by Gatehouse."""

from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission

from oauthapps import selectors
from oauthapps.errors import OAuthError


class BearerTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <token>`: (user, token), or (None, token) for an app's own token.

    No Authorization header means anonymous; any other scheme, or a token that is
    unknown, expired or revoked, is an error in the dialect's shape.
    """

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION")
        if not header:
            return None
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer":
            raise OAuthError("unsupported_authentication")
        token = selectors.find_access_token(token=value.strip())
        if token is None:
            raise OAuthError("unknown_token")
        return (token.user, token)

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class TokenHasScope(BasePermission):
    """Views declare `required_scope`; a token without it gets 403 insufficient_scope."""

    def has_permission(self, request, view) -> bool:
        token = request.auth
        scope = getattr(view, "required_scope", None)
        if token is None or scope is None:
            return True
        if not token.allow_scopes([scope]):
            raise OAuthError("insufficient_scope", {"scope": scope})
        return True
