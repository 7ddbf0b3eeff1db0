"""Revocation: POST /oauth/revoke (RFC 7009 with Mastodon's semantics)."""

from django.http import HttpRequest, JsonResponse
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt

from oauthapps import selectors, services
from oauthapps.errors import OAuthError
from oauthapps.views.client_endpoint import ClientEndpoint, no_store_json


@method_decorator(csrf_exempt, name="dispatch")
class RevokeView(ClientEndpoint):
    """POST /oauth/revoke: 200 {} whether or not the token existed; 403 for others' tokens."""

    def post(self, request: HttpRequest) -> JsonResponse:
        if request.POST.get("client_id") or request.META.get("HTTP_AUTHORIZATION"):
            client, refusal = self.authenticate(request)
            if refusal is not None:
                return refusal
        else:
            client = None
        token_value = request.POST.get("token", "")
        if client is None or not token_value:
            return self.refuse(OAuthError("revoke_not_allowed"))
        token = selectors.find_any_token(
            token=token_value, hint=request.POST.get("token_type_hint")
        )
        if token is None:
            return no_store_json({})
        if token.application_id != client.pk:
            return self.refuse(OAuthError("revoke_not_allowed"))
        services.revoke_token(token=token)
        return no_store_json({})
