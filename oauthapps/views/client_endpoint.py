"""What revocation and introspection share: a POST endpoint for authenticated clients.

Neither exists in ContentDB's documents, so both answer in the RFC shape in every dialect
(Mastodon's bodies are RFC-shaped too).
"""

from django.http import HttpRequest, JsonResponse
from django.views import View

from oauthapps import errors, ratelimits, selectors
from oauthapps.errors import OAuthError
from oauthapps.protocol import parsing


def no_store_json(body: dict, status: int = 200) -> JsonResponse:
    response = JsonResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    return response


class ClientEndpoint(View):
    """A POST endpoint for clients, answering in the RFC shape even before it reads the form.

    Django raises when it cannot parse a body (larger than DATA_UPLOAD_MAX_MEMORY_SIZE,
    more than DATA_UPLOAD_MAX_NUMBER_FIELDS fields, a broken multipart body, a charset
    other than UTF-8) and answers with an HTML page; other methods got an empty 405.
    """

    machine_endpoint = True
    error_shape = errors.Shape.RFC
    allow_public_clients = True

    def dispatch(self, request: HttpRequest, *args, **kwargs):
        unreadable = errors.unreadable_body(request)
        if unreadable is not None:
            return self.refuse(unreadable)
        return super().dispatch(request, *args, **kwargs)

    def refuse(self, error: OAuthError) -> JsonResponse:
        return errors.error_response(error, self.error_shape)

    def http_method_not_allowed(self, request: HttpRequest, *args, **kwargs) -> JsonResponse:
        response = self.refuse(OAuthError("method_not_allowed"))
        response["Allow"] = "POST"
        return response

    def authenticate(self, request: HttpRequest):
        """(client, None) for an authenticated client, else (None, the refusal: 401 or 429).

        A failure counts against the per-address and per-(client_id, address) limits; an
        authenticated client is never limited (oauthapps/ratelimits.py).
        """
        try:
            credentials = parsing.client_credentials(request)
        except OAuthError:  # repeated, NUL bytes, oversized, two methods: not credentials
            credentials = parsing.ClientCredentials(None, None, "none")
        client = selectors.authenticated_client(
            client=selectors.client_by_id(credentials.client_id, credentials_only=True),
            credentials=credentials,
            allow_public=self.allow_public_clients,
        )
        if client is not None:
            return client, None
        wait = ratelimits.client_auth_failed(request, credentials.client_id)
        error = errors.rate_limited(wait) if wait else OAuthError("invalid_client")
        return None, self.refuse(error)
