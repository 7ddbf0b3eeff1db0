"""The OAuth and OpenID Connect endpoints' operations, one per endpoint, keyed by the
URL name (oauthapps/urls.py) whose route gives the path. Error examples come from the
error catalogue (components.rfc_body, dialect_examples)."""

from __future__ import annotations

from oauthapps.openapi.components import (
    CLIENT_AUTH,
    DEMO_CLIENT,
    dialect_examples,
    example,
    form_body,
    ref,
    response,
    rfc_body,
)


# Responses the three form endpoints share.
def _form_endpoint_errors(shape: str) -> dict:
    return {
        "405": response(
            "Any method but POST.",
            ref(shape),
            examples={"error": example(rfc_body("method_not_allowed"))},
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
            examples=dialect_examples("invalid_code"),
        ),
        "401": response(
            "RFC dialect only: client authentication failed (`invalid_client`).",
            ref("RFC6749Error"),
            headers=["WWW-Authenticate", "Cache-Control"],
            examples={"rfc6749": example(rfc_body("invalid_client"))},
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
            examples={"refused": example(rfc_body("revoke_not_allowed"))},
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


OPENID_CONFIGURATION_OPERATION = {
    "operationId": "openid_configuration",
    "tags": ["openid"],
    "summary": "OpenID Connect Discovery",
    "description": "The same document as `/.well-known/oauth-authorization-server`, "
    "readable from any origin (`Access-Control-Allow-Origin: *`). Needs no database.",
    "security": [],
    "responses": {
        "200": response("The metadata document.", ref("AuthorizationServerMetadata")),
    },
}

JWKS_OPERATION = {
    "operationId": "openid_jwks",
    "tags": ["openid"],
    "summary": "The ID token signing keys (RFC 7517)",
    "description": "The public half of each key that signs ID tokens (RS256); `kid` is the "
    "key's RFC 7638 thumbprint, as in every ID token's header.",
    "security": [],
    "responses": {
        "200": response("The key set.", ref("JWKSet")),
    },
}

USERINFO_OPERATION = {
    "operationId": "openid_userinfo",
    "tags": ["openid"],
    "summary": "OpenID Connect UserInfo",
    "description": "The signed-in person's claims for an access token with the `openid` "
    "scope: `sub` always, `preferred_username` and `name` with `public`, `email` with "
    "`email`. The token goes in the `Authorization` header (a form body is allowed, RFC "
    "6750 §2.2); a token in the query string is refused. Errors in RFC 6750's shape in "
    "every dialect. POST answers the same. Also served at `/oauth/userinfo`.",
    "security": [{"bearerAuth": []}],
    "responses": {
        "200": response(
            "The person's claims.",
            ref("UserInfo"),
            headers=["Cache-Control"],
            examples={
                "claims": example(
                    {
                        "sub": "1",
                        "preferred_username": "demo",
                        "name": "Demo",
                        "email": "demo@example.org",
                    }
                )
            },
        ),
        "400": response(
            "A token in the query string.",
            ref("RFC6749Error"),
            headers=["Cache-Control"],
            examples={"token_in_url": example(rfc_body("token_in_url"))},
        ),
        "401": response(
            "No token, or an unknown, expired or revoked one, or one without `openid`.",
            ref("RFC6749Error"),
            headers=["WWW-Authenticate", "Cache-Control"],
        ),
        "503": response(
            "The database cannot be reached; try again after `Retry-After` seconds.",
            ref("RFC6749Error"),
            headers=["Retry-After"],
        ),
    },
}

# URL name (oauthapps/urls.py) -> method -> operation.
OPERATIONS = {
    "token": {"post": TOKEN_OPERATION},
    "revoke": {"post": REVOKE_OPERATION},
    "introspect": {"post": INTROSPECT_OPERATION},
    "metadata": {"get": METADATA_OPERATION},
    "openid_configuration": {"get": OPENID_CONFIGURATION_OPERATION},
    "jwks": {"get": JWKS_OPERATION},
    "userinfo": {"get": USERINFO_OPERATION},
}
