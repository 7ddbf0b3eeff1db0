"""The OpenAPI 3 description of Gatehouse's JSON endpoints, served at /api/schema/.

drf-spectacular describes the DRF views; their `extend_schema` decorators are at the end
of this module (`@schema.whoami` and so on in `api/views.py`). The OAuth endpoints are
plain Django views that drf-spectacular cannot see: `add_oauth_endpoints`, a
postprocessing hook (SPECTACULAR_SETTINGS), merges their hand-written description and
the shared components into the generated document:

- `POST /oauth/token/`, `POST /oauth/revoke`, `POST /oauth/introspect`,
  `GET /.well-known/oauth-authorization-server`.

Error bodies depend on `OAUTH_DIALECT`, so wherever the dialect decides the shape the
schema says `oneOf` the two (`ContentDBError`, `RFC6749Error`). Revocation and
introspection answer in the RFC shape in every dialect, and so does every 401 (elsewhere
only the RFC dialect answers 401). `tests/test_openapi.py` validates the document and
runs schemathesis against the site with it: a new JSON endpoint belongs here too.
"""

from __future__ import annotations

import copy

from drf_spectacular.extensions import (
    OpenApiAuthenticationExtension,
    OpenApiSerializerFieldExtension,
)
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers

from api.serializers import AppRegistrationSerializer

# ---- components ---------------------------------------------------------------------------

REF = "#/components/schemas/"


def ref(name: str) -> dict:
    return {"$ref": REF + name}


SCHEMAS: dict[str, dict] = {
    "ContentDBError": {
        "type": "object",
        "description": "An error in the ContentDB dialect (`OAUTH_DIALECT=contentdb`, the "
        "default), with ContentDB's exact messages.",
        "properties": {
            "success": {"type": "boolean", "enum": [False]},
            "error": {"type": "string", "example": "Missing client_id"},
        },
        "required": ["success", "error"],
        "additionalProperties": False,
    },
    "RFC6749Error": {
        "type": "object",
        "description": "An error in the RFC 6749 §5.2 / RFC 6750 shape (`OAUTH_DIALECT=rfc6749`"
        "; revocation and introspection answer in it in every dialect). `error` is an RFC "
        "code (`invalid_request`, `invalid_client`, `invalid_grant`, `unauthorized_client`, "
        "`unsupported_grant_type`, `invalid_scope`, `invalid_token`, `insufficient_scope`, "
        "`temporarily_unavailable`, …) or Gatehouse's `rate_limited`; "
        "`error_description` is the same sentence the ContentDB dialect shows.",
        "properties": {
            "error": {"type": "string", "example": "invalid_client"},
            "error_description": {
                "type": "string",
                "example": "client_id and/or client_secret is incorrect",
            },
        },
        "required": ["error", "error_description"],
        "additionalProperties": False,
    },
    "Error": {
        "description": "An error in the shape of the configured dialect (`OAUTH_DIALECT`).",
        "oneOf": [ref("ContentDBError"), ref("RFC6749Error")],
    },
    "AuthorizationCodeTokenRequest": {
        "type": "object",
        "description": "Exchange an authorization code (single use, 10 minutes). "
        "`grant_type` may be left out in the ContentDB dialect.",
        "properties": {
            "grant_type": {"type": "string", "enum": ["authorization_code"]},
            "code": {"type": "string", "description": "The code from the redirect."},
            "client_id": {"type": "string"},
            "client_secret": {
                "type": "string",
                "description": "Not for public clients (they use PKCE instead).",
            },
            "redirect_uri": {
                "type": "string",
                "description": "Optional; when sent, it must equal the one of the "
                "authorization request.",
            },
            "code_verifier": {
                "type": "string",
                "description": "PKCE (S256): required when the authorization request had a "
                "`code_challenge`, refused when it had none.",
            },
        },
        "required": ["grant_type", "code"],
    },
    "RefreshTokenTokenRequest": {
        "type": "object",
        "description": "Use a refresh token (7 days). It rotates: the answer has a new one, "
        "and presenting a rotated-out one revokes the whole token family.",
        "properties": {
            "grant_type": {"type": "string", "enum": ["refresh_token"]},
            "refresh_token": {"type": "string"},
            "scope": {
                "type": "string",
                "description": "Optional: a subset of the scopes originally granted.",
            },
            "client_id": {"type": "string"},
            "client_secret": {"type": "string"},
        },
        "required": ["grant_type", "refresh_token"],
    },
    "ClientCredentialsTokenRequest": {
        "type": "object",
        "description": "An application's own token (no person behind it), for applications "
        "allowed the client_credentials grant. No refresh token.",
        "properties": {
            "grant_type": {"type": "string", "enum": ["client_credentials"]},
            "scope": {
                "type": "string",
                "description": "Scopes separated by spaces, `+` or commas; default `public`.",
            },
            "client_id": {"type": "string"},
            "client_secret": {"type": "string"},
        },
        "required": ["grant_type"],
    },
    "TokenRequest": {
        "description": "One of the three grants. Client credentials go in the body "
        "(`client_id`, `client_secret`) or in HTTP Basic; each parameter at most once.",
        "oneOf": [
            ref("AuthorizationCodeTokenRequest"),
            ref("RefreshTokenTokenRequest"),
            ref("ClientCredentialsTokenRequest"),
        ],
    },
    "TokenResponse": {
        "type": "object",
        "description": "The same in every dialect.",
        "properties": {
            "success": {"type": "boolean", "enum": [True]},
            "access_token": {"type": "string"},
            "token_type": {"type": "string", "enum": ["Bearer"]},
            "expires_in": {"type": "integer", "description": "Seconds (3600 by default)."},
            "refresh_token": {
                "type": "string",
                "description": "Not issued for client credentials.",
            },
            "scope": {"type": "string", "description": "Space-separated."},
            "id_token": {
                "type": "string",
                "description": "OpenID Connect: only for tokens with the `openid` scope.",
            },
            "created_at": {"type": "integer", "description": "Unix time."},
        },
        "required": ["success", "access_token", "token_type", "expires_in", "scope", "created_at"],
        "additionalProperties": False,
    },
    "RevocationRequest": {
        "type": "object",
        "properties": {
            "token": {"type": "string", "description": "An access or refresh token."},
            "token_type_hint": {
                "type": "string",
                "description": "`access_token` or `refresh_token` (optional; a wrong hint "
                "is ignored).",
            },
            "client_id": {"type": "string"},
            "client_secret": {
                "type": "string",
                "description": "Not for public clients: they revoke with `client_id` alone.",
            },
        },
        "required": ["token"],
    },
    "RevocationResponse": {
        "type": "object",
        "description": "Empty, whether or not the token existed.",
        "properties": {},
        "additionalProperties": False,
    },
    "IntrospectionRequest": {
        "type": "object",
        "properties": {
            "token": {"type": "string"},
            "token_type_hint": {"type": "string"},
            "client_id": {"type": "string"},
            "client_secret": {"type": "string"},
        },
        "required": ["token"],
    },
    "IntrospectionResponse": {
        "type": "object",
        "description": "RFC 7662. Only `active` for tokens that are unknown, expired, "
        "revoked or another client's (unless the client is a resource server).",
        "properties": {
            "active": {"type": "boolean"},
            "scope": {"type": "string"},
            "client_id": {"type": "string"},
            "token_type": {"type": "string", "enum": ["Bearer", "refresh_token"]},
            "iat": {"type": "integer"},
            "exp": {"type": "integer"},
            "username": {"type": "string", "description": "Absent for an application's own token."},
            "sub": {"type": "string"},
        },
        "required": ["active"],
        "additionalProperties": False,
    },
    "AuthorizationServerMetadata": {
        "type": "object",
        "description": "RFC 8414.",
        "properties": {
            "issuer": {"type": "string", "format": "uri"},
            "authorization_endpoint": {"type": "string", "format": "uri"},
            "token_endpoint": {"type": "string", "format": "uri"},
            "revocation_endpoint": {"type": "string", "format": "uri"},
            "introspection_endpoint": {"type": "string", "format": "uri"},
            "scopes_supported": {"type": "array", "items": {"type": "string"}},
            "response_types_supported": {"type": "array", "items": {"type": "string"}},
            "response_modes_supported": {"type": "array", "items": {"type": "string"}},
            "grant_types_supported": {"type": "array", "items": {"type": "string"}},
            "token_endpoint_auth_methods_supported": {
                "type": "array",
                "items": {"type": "string"},
            },
            "revocation_endpoint_auth_methods_supported": {
                "type": "array",
                "items": {"type": "string"},
            },
            "introspection_endpoint_auth_methods_supported": {
                "type": "array",
                "items": {"type": "string"},
            },
            "code_challenge_methods_supported": {
                "type": "array",
                "items": {"type": "string", "enum": ["S256"]},
            },
            "authorization_response_iss_parameter_supported": {"type": "boolean"},
        },
        "required": [
            "issuer",
            "authorization_endpoint",
            "token_endpoint",
            "revocation_endpoint",
            "introspection_endpoint",
            "scopes_supported",
            "response_types_supported",
            "grant_types_supported",
            "token_endpoint_auth_methods_supported",
            "code_challenge_methods_supported",
        ],
    },
}

SECURITY_SCHEMES = {
    "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "description": "An access token from `/oauth/token/`: `Authorization: Bearer <token>`."
        " Unknown, expired or revoked tokens and other schemes are refused (403 in the "
        "ContentDB dialect, 401 with `WWW-Authenticate` in the RFC dialect).",
    },
    "clientBasic": {
        "type": "http",
        "scheme": "basic",
        "description": "Client authentication with HTTP Basic (`client_secret_basic`): the "
        "client_id and client_secret, form-urlencoded, as user name and password. The "
        "alternative is `client_id` and `client_secret` in the form body "
        "(`client_secret_post`), or `client_id` alone for public clients where allowed.",
    },
}

HEADERS = {
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "required": True,
        "schema": {"type": "integer", "minimum": 0},
    },
    "WWW-Authenticate": {
        "description": '`Basic realm="gatehouse"` (client authentication) or '
        '`Bearer error="…"` (the API).',
        "required": True,
        "schema": {"type": "string"},
    },
    "Cache-Control": {
        "description": "`no-store`: tokens and their metadata are never cached.",
        "required": True,
        "schema": {"type": "string", "pattern": "no-store"},
    },
}

# Client credentials in HTTP Basic, or in the body (no scheme: OpenAPI cannot name body
# parameters as a security scheme, so the second alternative is "none").
CLIENT_AUTH = [{"clientBasic": []}, {}]

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

DEMO_CLIENT = {"client_id": "demo-client-id", "client_secret": "demo-client-secret"}


def json_content(schema: dict, examples: dict | None = None) -> dict:
    media: dict = {"schema": schema}
    if examples:
        media["examples"] = examples
    return {"application/json": media}


def response(description: str, schema: dict, *, headers=(), examples=None) -> dict:
    body = {"description": description, "content": json_content(schema, examples)}
    if headers:
        body["headers"] = {name: {"$ref": "#/components/headers/" + name} for name in headers}
    return body


def form_body(schema_name: str, examples: dict | None = None) -> dict:
    content = {}
    for media_type in FORM_TYPES:
        media: dict = {"schema": ref(schema_name)}
        if examples:
            media["examples"] = examples
        content[media_type] = media
    return {"required": True, "content": content}


def example(value, summary: str = "") -> dict:
    return {"summary": summary, "value": value} if summary else {"value": value}


def contentdb_example(message: str) -> dict:
    return {"success": False, "error": message}


def rfc_example(code: str, message: str) -> dict:
    return {"error": code, "error_description": message}


# Responses the three form endpoints share.
def _form_endpoint_errors(shape: str) -> dict:
    return {
        "405": response(
            "Any method but POST.",
            ref(shape),
            examples={
                "error": example(rfc_example("invalid_request", "Method not allowed: use POST"))
            },
        ),
        "413": response(
            "The body is larger than Django's `DATA_UPLOAD_MAX_MEMORY_SIZE` (2.5 MB).",
            ref(shape),
        ),
        "429": response(
            'Too many requests (`OAUTHAPPS["RATE_LIMITS"]`): wait `Retry-After` seconds.',
            ref(shape),
            headers=["Retry-After"],
        ),
        "503": response(
            "The database cannot be reached; try again after `Retry-After` seconds.",
            ref(shape),
            headers=["Retry-After"],
        ),
    }


TOKEN_OPERATION = {
    "operationId": "oauth_token",
    "tags": ["oauth"],
    "summary": "Token endpoint",
    "description": "Exchange an authorization code, a refresh token or client credentials "
    "for an access token. Also served at `/oauth/token` and `/api/oauth2/token`. "
    "Form-urlencoded or multipart (ContentDB's example uses `curl -F`). `grant_type` may "
    "also come from the query string (as ContentDB read it); a missing one means "
    "`authorization_code` in the ContentDB dialect. Repeated parameters, NUL bytes and "
    "values over 4,096 characters are refused.",
    "security": CLIENT_AUTH,
    "parameters": [
        {
            "name": "grant_type",
            "in": "query",
            "required": False,
            "description": "ContentDB compatibility: read only when the body has none.",
            "schema": {"type": "string"},
        }
    ],
    "requestBody": form_body(
        "TokenRequest",
        {
            "authorization_code": example(
                {"grant_type": "authorization_code", **DEMO_CLIENT, "code": "abcdef"},
                "Exchange a code (ContentDB's example)",
            ),
            "refresh_token": example(
                {"grant_type": "refresh_token", **DEMO_CLIENT, "refresh_token": "…"},
                "Refresh",
            ),
            "client_credentials": example(
                {"grant_type": "client_credentials", **DEMO_CLIENT, "scope": "public"},
                "An application's own token",
            ),
        },
    ),
    "responses": {
        "200": response(
            "The token.",
            ref("TokenResponse"),
            headers=["Cache-Control"],
            examples={
                "authorization_code": example(
                    {
                        "success": True,
                        "access_token": "…",
                        "token_type": "Bearer",
                        "expires_in": 3600,
                        "refresh_token": "…",
                        "scope": "public",
                        "created_at": 1573979017,
                    }
                )
            },
        ),
        "400": response(
            "A refused request, in the dialect's shape (ContentDB: always 400).",
            ref("Error"),
            headers=["Cache-Control"],
            examples={
                "contentdb": example(
                    contentdb_example("Incorrect code. It may have already been redeemed"),
                    "ContentDB dialect",
                ),
                "rfc6749": example(
                    rfc_example(
                        "invalid_grant", "Incorrect code. It may have already been redeemed"
                    ),
                    "RFC 6749 dialect",
                ),
            },
        ),
        "401": response(
            "RFC dialect only: client authentication failed (`invalid_client`).",
            ref("RFC6749Error"),
            headers=["WWW-Authenticate", "Cache-Control"],
            examples={
                "rfc6749": example(
                    rfc_example("invalid_client", "client_id and/or client_secret is incorrect")
                )
            },
        ),
        **_form_endpoint_errors("Error"),
    },
}

REVOKE_OPERATION = {
    "operationId": "oauth_revoke",
    "tags": ["oauth"],
    "summary": "Revoke a token (RFC 7009, Mastodon's semantics)",
    "description": "Revoking an access or refresh token revokes its whole family (every "
    "token descended from the same authorization). Answers in the RFC shape in every "
    "dialect. Also served at `/oauth/revoke/`.",
    "security": CLIENT_AUTH,
    "requestBody": form_body(
        "RevocationRequest",
        {"revoke": example({"token": "…", **DEMO_CLIENT})},
    ),
    "responses": {
        "200": response(
            "Revoked, or there was no such token (idempotent).",
            ref("RevocationResponse"),
            headers=["Cache-Control"],
            examples={"ok": example({})},
        ),
        "400": response("The body could not be parsed.", ref("RFC6749Error")),
        "401": response(
            "Wrong client credentials.",
            ref("RFC6749Error"),
            headers=["WWW-Authenticate", "Cache-Control"],
        ),
        "403": response(
            "No client credentials, no token, or another client's token.",
            ref("RFC6749Error"),
            examples={
                "refused": example(
                    rfc_example(
                        "unauthorized_client", "You are not authorized to revoke this token"
                    )
                )
            },
        ),
        **_form_endpoint_errors("RFC6749Error"),
    },
}

INTROSPECT_OPERATION = {
    "operationId": "oauth_introspect",
    "tags": ["oauth"],
    "summary": "Introspect a token (RFC 7662)",
    "description": "A confidential client sees its own tokens (a client staff marked as a "
    'resource server sees all); anything else is `{"active": false}`. Public clients '
    "cannot introspect. Answers in the RFC shape in every dialect. Also served at "
    "`/oauth/introspect/`.",
    "security": CLIENT_AUTH,
    "requestBody": form_body(
        "IntrospectionRequest",
        {"introspect": example({"token": "…", **DEMO_CLIENT})},
    ),
    "responses": {
        "200": response(
            "The token's metadata, or only `active: false`.",
            ref("IntrospectionResponse"),
            headers=["Cache-Control"],
            examples={
                "active": example(
                    {
                        "active": True,
                        "scope": "public",
                        "client_id": "demo-client-id",
                        "token_type": "Bearer",
                        "iat": 1573979017,
                        "exp": 1573982617,
                        "username": "demo",
                        "sub": "1",
                    }
                ),
                "inactive": example({"active": False}),
            },
        ),
        "400": response("The body could not be parsed.", ref("RFC6749Error")),
        "401": response(
            "Missing or wrong client credentials.",
            ref("RFC6749Error"),
            headers=["WWW-Authenticate", "Cache-Control"],
        ),
        **_form_endpoint_errors("RFC6749Error"),
    },
}

METADATA_OPERATION = {
    "operationId": "oauth_metadata",
    "tags": ["oauth"],
    "summary": "Authorization server metadata (RFC 8414)",
    "description": "Needs no database: it keeps answering during an outage.",
    "security": [],
    "responses": {
        "200": response("The metadata document.", ref("AuthorizationServerMetadata")),
    },
}

OAUTH_PATHS = {
    "/oauth/token/": {"post": TOKEN_OPERATION},
    "/oauth/revoke": {"post": REVOKE_OPERATION},
    "/oauth/introspect": {"post": INTROSPECT_OPERATION},
    "/.well-known/oauth-authorization-server": {"get": METADATA_OPERATION},
}

TAGS = [
    {
        "name": "api",
        "description": "The JSON API (Django REST framework), with bearer tokens.",
    },
    {
        "name": "oauth",
        "description": "OAuth 2 endpoints. The authorization endpoint (`/oauth/authorize/`) "
        "is a page for people, not JSON, and is described in the README.",
    },
]


# drf-spectacular names a `/?` route after its slashed form; the contract's canonical path
# for Mastodon's registration has none.
RENAMED_PATHS = {"/api/v1/apps/": "/api/v1/apps"}

# Operations that also work without a token (security alternative "none").
OPTIONAL_BEARER = {"api_whoami"}

# Headers every response with this status carries, on every endpoint.
STATUS_HEADERS = {"401": ["WWW-Authenticate"], "429": ["Retry-After"], "503": ["Retry-After"]}


def add_oauth_endpoints(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook: the OAuth endpoints and shared components."""
    result = copy.deepcopy(result)
    paths = {RENAMED_PATHS.get(path, path): item for path, item in result["paths"].items()}
    for path, operations in OAUTH_PATHS.items():
        paths[path] = copy.deepcopy(operations)
    components = result.setdefault("components", {})
    components.setdefault("schemas", {}).update(copy.deepcopy(SCHEMAS))
    components.setdefault("securitySchemes", {}).update(copy.deepcopy(SECURITY_SCHEMES))
    components.setdefault("headers", {}).update(copy.deepcopy(HEADERS))
    for item in paths.values():
        for operation in item.values():
            if operation.get("operationId") in OPTIONAL_BEARER:
                operation["security"] = [{"bearerAuth": []}, {}]
            for status, answer in operation.get("responses", {}).items():
                for name in STATUS_HEADERS.get(status, []):
                    answer.setdefault("headers", {})[name] = {
                        "$ref": "#/components/headers/" + name
                    }
    result["tags"] = copy.deepcopy(TAGS)
    result["paths"] = dict(sorted(paths.items()))
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


def error_examples(message: str, code: str) -> list[OpenApiExample]:
    return [
        OpenApiExample("ContentDB dialect", value=contentdb_example(message), response_only=True),
        OpenApiExample("RFC 6749 dialect", value=rfc_example(code, message), response_only=True),
    ]


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
                    rfc_example("invalid_token", "Unknown API token"),
                )
            ],
        ),
        403: error(
            "ContentDB dialect: an unknown, expired or revoked token, or another scheme; "
            "both dialects: a token without the `public` scope.",
            examples=[
                OpenApiExample("ContentDB dialect", contentdb_example("Unknown API token")),
                OpenApiExample(
                    "ContentDB dialect (another scheme)",
                    contentdb_example("Unsupported authentication method"),
                ),
                OpenApiExample(
                    "A token without the public scope (RFC 6749 dialect)",
                    rfc_example("insufficient_scope", "This token does not have the public scope"),
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
            examples=error_examples("Missing API token", "invalid_request"),
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
            examples=error_examples("App registration is disabled", "not_found"),
        ),
        415: error("A content type other than JSON, form or multipart."),
        422: error(
            "Invalid fields.",
            examples=error_examples(
                "Validation failed: client_name Ensure this value has at least 5 "
                "characters (it has 3).",
                "validation_failed",
            ),
        ),
        429: error("Too many registrations from this IP address."),
        503: UNAVAILABLE,
    },
)
