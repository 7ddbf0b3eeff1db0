"""Introspection: POST /oauth/introspect (RFC 7662)."""

from django.http import HttpRequest, JsonResponse
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt

from oauthapps import selectors
from oauthapps.models import AccessToken
from oauthapps.views.client_endpoint import ClientEndpoint, no_store_json


@method_decorator(csrf_exempt, name="dispatch")
class IntrospectView(ClientEndpoint):
    """POST /oauth/introspect: a client sees its own tokens (resource servers see all)."""

    allow_public_clients = False

    def post(self, request: HttpRequest) -> JsonResponse:
        client, refusal = self.authenticate(request)
        if refusal is not None:
            return refusal
        token = selectors.find_any_token(
            token=request.POST.get("token", ""),
            hint=request.POST.get("token_type_hint"),
            with_family=False,
        )
        if (
            token is None
            or not selectors.is_live(token)
            or (token.application_id != client.pk and not client.is_resource_server)
        ):
            return no_store_json({"active": False})
        is_access = isinstance(token, AccessToken)
        body = {
            "active": True,
            "scope": token.scope if is_access else selectors.refresh_token_scope(token),
            "client_id": token.application.client_id,
            "token_type": "Bearer" if is_access else "refresh_token",
            "iat": int(token.created.timestamp()),
            "exp": int(selectors.expires_at(token).timestamp()),
        }
        if token.user is not None:
            body["username"] = token.user.get_username()
            body["sub"] = str(token.user.pk)
        return no_store_json(body)
