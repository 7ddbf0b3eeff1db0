"""The OpenAPI description of the DRF views (api/views.py), served at /api/schema/.

Their `extend_schema` decorators are here (`@schema.whoami` and so on in api/views.py).
The OAuth and OpenID Connect endpoints are described beside them, in oauthapps/openapi/,
which also holds the shared components; `finish_api_paths` (a drf-spectacular
postprocessing hook, run before oauthapps.openapi.add_oauth_endpoints) gives the API's
paths their canonical names and marks whoami's token optional. Error examples come from
the error catalogue (oauthapps/errors/catalogue.py).
"""

from __future__ import annotations

from drf_spectacular.extensions import (
    OpenApiAuthenticationExtension,
    OpenApiSerializerFieldExtension,
)
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers

from api.serializers import AppRegistrationSerializer, ValidationFailed
from oauthapps.errors import OAuthError
from oauthapps.openapi.components import SECURITY_SCHEMES, contentdb_body, ref, rfc_body

# drf-spectacular names a `/?` route after its slashed form; the contract's canonical path
# for Mastodon's registration has none.
RENAMED_PATHS = {"/api/v1/apps/": "/api/v1/apps"}

# Operations that also work without a token (security alternative "none").
OPTIONAL_BEARER = {"api_whoami"}


def finish_api_paths(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook: canonical paths, whoami's optional token."""
    paths = {RENAMED_PATHS.get(path, path): item for path, item in result["paths"].items()}
    for item in paths.values():
        for operation in item.values():
            if operation.get("operationId") in OPTIONAL_BEARER:
                operation["security"] = [{"bearerAuth": []}, {}]
    result["paths"] = paths
    return result


# ---- the DRF side ---------------------------------------------------------------------------


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """oauthapps' BearerTokenAuthentication is `bearerAuth`."""

    target_class = "oauthapps.protocol.bearer.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return SECURITY_SCHEMES["bearerAuth"]


class StringOrListField(OpenApiSerializerFieldExtension):
    """Mastodon's redirect_uris: one string (URIs separated by spaces or newlines) or a list."""

    target_class = "api.serializers.StringOrList"

    def map_serializer_field(self, auto_schema, direction):
        return {
            "oneOf": [
                {"type": "string", "example": "https://example.com/callback"},
                {"type": "array", "items": {"type": "string"}},
            ],
            "description": "One or more redirect URIs: a string (separated by spaces or "
            "newlines) or a list.",
        }


class WhoAmIApplication(serializers.Serializer):
    client_id = serializers.CharField()
    title = serializers.CharField()


class WhoAmIResponse(serializers.Serializer):
    is_authenticated = serializers.BooleanField()
    username = serializers.CharField(
        allow_null=True, help_text="null for no token and for an application's own token."
    )
    display_name = serializers.CharField(required=False, help_text="A person's token only.")
    email = serializers.CharField(
        required=False, help_text="A person's token with the `email` scope only."
    )
    application = WhoAmIApplication(
        required=False, help_text="An application's own token (client credentials) only."
    )


class DeleteTokenResponse(serializers.Serializer):
    success = serializers.BooleanField()


class AppRegistrationResponse(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    website = serializers.CharField(allow_null=True)
    scopes = serializers.ListField(child=serializers.CharField())
    redirect_uri = serializers.CharField(help_text="The redirect URIs, one a line.")
    redirect_uris = serializers.ListField(child=serializers.CharField())
    client_id = serializers.CharField()
    client_secret = serializers.CharField(help_text="Shown once: only its hash is stored.")
    client_secret_expires_at = serializers.IntegerField(help_text="Always 0: never expires.")


def error(description: str, *, shape: str = "Error", examples=()) -> OpenApiResponse:
    return OpenApiResponse(response=ref(shape), description=description, examples=list(examples))


def error_examples(reason: str, **params: str) -> list[OpenApiExample]:
    """Both dialects' bodies for a reason in the error catalogue."""
    return _examples(OAuthError(reason, params))


def _examples(error: OAuthError) -> list[OpenApiExample]:
    return [
        OpenApiExample("ContentDB dialect", value=contentdb_body(error), response_only=True),
        OpenApiExample("RFC 6749 dialect", value=rfc_body(error), response_only=True),
    ]


def _validation_failed_examples() -> list[OpenApiExample]:
    """Mastodon's 422, built by the serializer's own exception."""
    refusal = ValidationFailed(
        {"client_name": ["Ensure this value has at least 5 characters (it has 3)."]}
    )
    error = OAuthError(
        "api_refusal", {"description": str(refusal.detail)}, drf=(422, refusal.default_code)
    )
    return _examples(error)


UNAVAILABLE = error("The database cannot be reached; try again after `Retry-After` seconds.")

# ---- the decorators on api/views.py's methods ---------------------------------------------

whoami = extend_schema(
    operation_id="api_whoami",
    tags=["api"],
    summary="Who the bearer token belongs to",
    description="Works without a token too (then nobody). Needs the `public` scope. "
    "Also served at `/api/whoami`.",
    responses={
        200: OpenApiResponse(
            WhoAmIResponse,
            description="A person's token, an application's own token, or no token.",
            examples=[
                OpenApiExample(
                    "Person",
                    {"is_authenticated": True, "username": "demo", "display_name": "Demo"},
                ),
                OpenApiExample(
                    "Person with the email scope",
                    {
                        "is_authenticated": True,
                        "username": "demo",
                        "display_name": "Demo",
                        "email": "demo@example.org",
                    },
                ),
                OpenApiExample(
                    "Application (client credentials)",
                    {
                        "is_authenticated": False,
                        "username": None,
                        "application": {"client_id": "demo-client-id", "title": "Demo"},
                    },
                ),
                OpenApiExample("No token", {"is_authenticated": False, "username": None}),
            ],
        ),
        401: error(
            "RFC dialect: an unknown, expired or revoked token, or another scheme.",
            shape="RFC6749Error",
            examples=[
                OpenApiExample(
                    "RFC 6749 dialect",
                    rfc_body("unknown_token"),
                )
            ],
        ),
        403: error(
            "ContentDB dialect: an unknown, expired or revoked token, or another scheme; "
            "both dialects: a token without the `public` scope.",
            examples=[
                OpenApiExample("ContentDB dialect", contentdb_body("unknown_token")),
                OpenApiExample(
                    "ContentDB dialect (another scheme)",
                    contentdb_body("unsupported_authentication"),
                ),
                OpenApiExample(
                    "A token without the public scope (RFC 6749 dialect)",
                    rfc_body("insufficient_scope", scope="public"),
                ),
            ],
        ),
        503: UNAVAILABLE,
    },
)

delete_token = extend_schema(
    operation_id="api_delete_token",
    tags=["api"],
    summary="Revoke the bearer token itself",
    description="Revokes the token and its whole family (the refresh token too). "
    "Also served at `/api/delete-token`.",
    responses={
        200: OpenApiResponse(
            DeleteTokenResponse,
            description="Revoked.",
            examples=[OpenApiExample("Revoked", {"success": True})],
        ),
        401: error(
            "RFC dialect: no token, an unknown one, or another scheme.",
            shape="RFC6749Error",
        ),
        403: error(
            "ContentDB dialect: no token, an unknown one, or another scheme.",
            examples=error_examples("missing_token"),
        ),
        503: UNAVAILABLE,
    },
)

app_registration = extend_schema(
    operation_id="api_register_app",
    tags=["api"],
    summary="Register an application (Mastodon)",
    description="Creates an application without an owner. `client_name` must be 5 to 30 "
    "characters and unique ignoring case; `scopes` (separated by spaces, `+` or commas) "
    'defaults to `public`. Limited per IP (`OAUTHAPPS["APP_REGISTRATION_RATE"]`, '
    "10 an hour). Also served at `/api/v1/apps/`.",
    request=AppRegistrationSerializer,
    examples=[
        OpenApiExample(
            "Register",
            {
                "client_name": "My Service",
                "redirect_uris": "https://myservice.example/callback",
                "scopes": "public email",
                "website": "https://myservice.example/",
            },
            request_only=True,
        ),
    ],
    responses={
        200: OpenApiResponse(
            AppRegistrationResponse,
            description="Registered: the secret is shown this once.",
            examples=[
                OpenApiExample(
                    "Registered",
                    {
                        "id": "7",
                        "name": "My Service",
                        "website": "https://myservice.example/",
                        "scopes": ["public", "email"],
                        "redirect_uri": "https://myservice.example/callback",
                        "redirect_uris": ["https://myservice.example/callback"],
                        "client_id": "…",
                        "client_secret": "…",
                        "client_secret_expires_at": 0,
                    },
                    response_only=True,
                )
            ],
        ),
        400: error("The body could not be parsed."),
        404: error(
            "Registration is turned off (`APP_REGISTRATION_ENABLED`).",
            examples=error_examples("registration_disabled"),
        ),
        415: error("A content type other than JSON, form or multipart."),
        422: error(
            "Invalid fields.",
            examples=_validation_failed_examples(),
        ),
        429: error("Too many registrations from this IP address."),
        503: UNAVAILABLE,
    },
)
