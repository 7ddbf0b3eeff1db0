"""What the OpenAPI description of the OAuth endpoints is built from: the shared schemas,
security schemes and headers, small builders, and error examples read from the error
catalogue (oauthapps/errors/catalogue.py), so a sentence changed there changes here."""

from __future__ import annotations

from oauthapps.errors import OAuthError

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
    "JWKSet": {
        "type": "object",
        "description": "A JSON Web Key Set (RFC 7517): the public signing keys.",
        "properties": {
            "keys": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "kty": {"type": "string", "enum": ["RSA"]},
                        "alg": {"type": "string", "enum": ["RS256"]},
                        "use": {"type": "string", "enum": ["sig"]},
                        "kid": {"type": "string"},
                        "n": {"type": "string"},
                        "e": {"type": "string"},
                    },
                    "required": ["kty", "kid", "n", "e"],
                },
            }
        },
        "required": ["keys"],
    },
    "UserInfo": {
        "type": "object",
        "description": "OpenID Connect claims (oauthapps/protocol/openid.py).",
        "properties": {
            "sub": {"type": "string"},
            "preferred_username": {"type": "string"},
            "name": {"type": "string"},
            "email": {"type": "string"},
        },
        "required": ["sub"],
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


def _error(reason: str | OAuthError, params: dict[str, str]) -> OAuthError:
    return reason if isinstance(reason, OAuthError) else OAuthError(reason, params)


def contentdb_body(reason: str | OAuthError, **params: str) -> dict:
    """The ContentDB dialect's body for a catalogue reason (or an OAuthError)."""
    return {"success": False, "error": _error(reason, params).message}


def rfc_body(reason: str | OAuthError, **params: str) -> dict:
    """The RFC 6749 / RFC 6750 body for a catalogue reason (or an OAuthError)."""
    error = _error(reason, params)
    return {"error": error.code, "error_description": error.message}


def dialect_examples(reason: str, **params: str) -> dict:
    """Both dialects' bodies for a catalogue reason, as named OpenAPI examples."""
    return {
        "contentdb": example(contentdb_body(reason, **params), "ContentDB dialect"),
        "rfc6749": example(rfc_body(reason, **params), "RFC 6749 dialect"),
    }
