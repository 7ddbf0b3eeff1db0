"""Revocation (RFC 7009, Mastodon's semantics), introspection (RFC 7662), metadata (RFC 8414).

Revocation and introspection exist in none of ContentDB's documents, so they answer in
the RFC shape in every dialect (Mastodon's bodies are RFC-shaped too).
"""

from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from oauthapps import backends, errors, oidc, parsing, ratelimits, selectors, services
from oauthapps.conf import app_settings
from oauthapps.errors import OAuthError
from oauthapps.models import AccessToken


def _json(body: dict, status: int = 200) -> JsonResponse:
    response = JsonResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    return response


class _ClientEndpoint(View):
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


def _not_authorized_to_revoke() -> JsonResponse:
    return _json(
        {
            "error": "unauthorized_client",
            "error_description": "You are not authorized to revoke this token",
        },
        status=403,
    )


@method_decorator(csrf_exempt, name="dispatch")
class RevokeView(_ClientEndpoint):
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
            return _json({})
        if token.application_id != client.pk:
            return _not_authorized_to_revoke()
        services.revoke_token(token=token)
        return _json({})


@method_decorator(csrf_exempt, name="dispatch")
class IntrospectView(_ClientEndpoint):
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
            return _json({"active": False})
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
        return _json(body)


@errors.machine_endpoint(errors.Shape.RFC)
def metadata(request: HttpRequest) -> JsonResponse:
    """GET /.well-known/oauth-authorization-server (RFC 8414), with OpenID Connect's fields."""

    def url(name: str) -> str:
        return request.build_absolute_uri(reverse(name))

    issuer = backends.issuer(request)
    return JsonResponse(
        {
            "issuer": issuer,
            "authorization_endpoint": url("oauthapps:authorize"),
            "token_endpoint": url("oauthapps:token"),
            "revocation_endpoint": url("oauthapps:revoke"),
            "introspection_endpoint": url("oauthapps:introspect"),
            "scopes_supported": list(app_settings.SCOPES),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": list(app_settings.GRANT_TYPES),
            "token_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
                "none",
            ],
            "revocation_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
                "none",
            ],
            # No "none": introspection needs a client secret (RFC 7662 §2.1), public
            # clients get 401 there.
            "introspection_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
            ],
            "code_challenge_methods_supported": ["S256"],
            "authorization_response_iss_parameter_supported": True,
            # OpenID Connect Discovery 1.0 (the same document is served at
            # /.well-known/openid-configuration; oauthapps/views/oidc.py).
            "userinfo_endpoint": url("oauthapps:userinfo"),
            "jwks_uri": url("oauthapps:jwks"),
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": [oidc.ALGORITHM],
            "claims_supported": list(oidc.CLAIMS_SUPPORTED),
            "claims_parameter_supported": False,
            "request_parameter_supported": False,
            "request_uri_parameter_supported": False,
        }
    )
