"""The metadata documents: RFC 8414's and OpenID Connect Discovery's, one document."""

from django.http import HttpRequest, JsonResponse
from django.urls import reverse

from oauthapps import errors
from oauthapps.conf import app_settings
from oauthapps.protocol import backends, openid


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
            # /.well-known/openid-configuration; this module, `openid_configuration`).
            "userinfo_endpoint": url("oauthapps:userinfo"),
            "jwks_uri": url("oauthapps:jwks"),
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": [openid.ALGORITHM],
            "claims_supported": list(openid.CLAIMS_SUPPORTED),
            "claims_parameter_supported": False,
            "request_parameter_supported": False,
            "request_uri_parameter_supported": False,
        }
    )


@errors.machine_endpoint(errors.Shape.RFC)
def openid_configuration(request: HttpRequest) -> JsonResponse:
    """GET /.well-known/openid-configuration: the RFC 8414 metadata document itself.

    One document for both names, so the issuer, the endpoints, the scopes and the grant
    types can never disagree. Readable from any origin, like the keys.
    """
    response = metadata(request)
    response["Access-Control-Allow-Origin"] = "*"
    return response
