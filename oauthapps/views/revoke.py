"""Revocation: POST /oauth/revoke (RFC 7009 with Mastodon's semantics)."""

from django.http import HttpRequest, JsonResponse
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt

from oauthapps import selectors, services
from oauthapps.views.client_endpoint import ClientEndpoint, no_store_json


def _not_authorized_to_revoke() -> JsonResponse:
    return no_store_json(
        {
            "error": "unauthorized_client",
            "error_description": "You are not authorized to revoke this token",
        },
        status=403,
    )


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
            return _not_authorized_to_revoke()
        token = selectors.find_any_token(
            token=token_value, hint=request.POST.get("token_type_hint")
        )
        if token is None:
            return no_store_json({})
        if token.application_id != client.pk:
            return _not_authorized_to_revoke()
        services.revoke_token(token=token)
        return no_store_json({})
