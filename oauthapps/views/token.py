"""The token endpoint: POST /oauth/token/ (codes, refresh tokens, client credentials)."""

import json
import time
from contextlib import nullcontext

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.views.mixins import OAuthLibMixin

from oauthapps import errors, ratelimits, selectors
from oauthapps.errors import OAuthError
from oauthapps.protocol import parsing


@method_decorator(csrf_exempt, name="dispatch")
class TokenView(OAuthLibMixin, View):
    """POST /oauth/token/: exchange a code, a refresh token or client credentials.

    One pass: the request is parsed once (`parsing.parse_token_request`), the application
    is read once by client_id, and the `TokenRequest` travels on the oauthlib request to
    the validator, which writes any refusal's reason back there.
    """

    machine_endpoint = True
    error_shape = errors.Shape.DIALECT

    def post(self, request: HttpRequest) -> HttpResponse:
        client_id = None
        try:
            unreadable = errors.unreadable_body(request)
            if unreadable is not None:
                raise unreadable
            token_request = parsing.parse_token_request(request)
            client_id = token_request.client_id
            client = token_request.client = selectors.client_by_id(client_id)
            public = client is not None and client.is_public
            if token_request.credentials.secret is None and not public:
                raise OAuthError("missing_client_secret")
            parsing.require_grant_parameters(token_request)
            # Codes and refresh tokens are read, locked and replaced in one transaction; a
            # client credentials token is a single INSERT and needs none.
            single_insert = token_request.grant_type == "client_credentials"
            with nullcontext() if single_insert else transaction.atomic():
                oauthlib_request, body, status = self.get_oauthlib_core().token_response(
                    request, token_request
                )
            issued = json.loads(body)
            if status != 200:
                raise errors.from_oauthlib(
                    issued.get("error", ""),
                    issued.get("error_description", ""),
                    oauthlib_request,
                    grant_type=token_request.grant_type,
                )
        except OAuthError as error:
            if error.code == "invalid_client":
                wait = ratelimits.client_auth_failed(request, client_id)
                if wait:
                    error = errors.rate_limited(wait)
            return errors.error_response(error, self.error_shape)
        return token_response(issued)

    def http_method_not_allowed(self, request, *args, **kwargs) -> HttpResponse:
        return errors.error_response(OAuthError("method_not_allowed"), self.error_shape)


def token_response(issued: dict) -> JsonResponse:
    """The success body, the same in every dialect."""
    body = {
        "success": True,
        "access_token": issued["access_token"],
        "token_type": "Bearer",
        "expires_in": issued["expires_in"],
    }
    if "refresh_token" in issued:
        body["refresh_token"] = issued["refresh_token"]
    body["scope"] = issued.get("scope", "")
    if "id_token" in issued:  # OpenID Connect: only for tokens with the openid scope
        body["id_token"] = issued["id_token"]
    body["created_at"] = int(time.time())
    response = JsonResponse(body)
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response
