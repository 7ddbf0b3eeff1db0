"""The error catalogue: every reason Gatehouse can refuse with, and how it reads.

Each entry: reason -> (OAuth error code, the sentence a person reads, the status in the
RFC dialect, the status in the ContentDB dialect). Sentences use ContentDB's wording
where ContentDB has one; `{name}` blanks are filled from `OAuthError.params`. The one
body builder (`oauthapps.errors.error_response`) and the OpenAPI description
(oauthapps/openapi.py) both read this table, so a sentence changes in one place.
"""

# reason: (RFC error code, sentence, RFC status, ContentDB status)
REASONS: dict[str, tuple[str, str, int, int]] = {
    # ---- token endpoint (ContentDB's own six messages first) ----
    "unsupported_grant_type": (
        "unsupported_grant_type",
        "Unsupported grant_type, only {grant_types} supported",
        400,
        400,
    ),
    "missing_client_id": ("invalid_client", "Missing client_id", 401, 400),
    "missing_client_secret": ("invalid_client", "Missing client_secret", 401, 400),
    "missing_code": ("invalid_request", "Missing code", 400, 400),
    "invalid_client": ("invalid_client", "client_id and/or client_secret is incorrect", 401, 400),
    "invalid_code": (
        "invalid_grant",
        "Incorrect code. It may have already been redeemed",
        400,
        400,
    ),
    "missing_grant_type": ("invalid_request", "Missing grant_type", 400, 400),
    "missing_refresh_token": ("invalid_request", "Missing refresh_token", 400, 400),
    "invalid_refresh_token": (
        "invalid_grant",
        "Incorrect refresh_token. It may have expired or been revoked",
        400,
        400,
    ),
    "missing_code_verifier": ("invalid_request", "Missing code_verifier", 400, 400),
    "invalid_code_verifier": ("invalid_grant", "Incorrect code_verifier", 400, 400),
    "unexpected_code_verifier": (
        "invalid_grant",
        "Unexpected code_verifier: the authorization request had no code_challenge",
        400,
        400,
    ),
    "redirect_uri_mismatch": (
        "invalid_grant",
        "redirect_uri does not match the authorization request",
        400,
        400,
    ),
    "unauthorized_client": (
        "unauthorized_client",
        "This application is not allowed to use the {grant_type} grant",
        400,
        400,
    ),
    "invalid_scope": (
        "invalid_scope",
        "Unsupported scope: {scope}. This application may request only: {allowed}",
        400,
        400,
    ),
    "scope_exceeds_grant": (
        "invalid_scope",
        "The requested scope exceeds the scope originally granted",
        400,
        400,
    ),
    "duplicate_parameter": ("invalid_request", "Duplicate {param} parameter", 400, 400),
    "invalid_parameter": ("invalid_request", "Invalid {param} parameter", 400, 400),
    "invalid_request": ("invalid_request", "{description}", 400, 400),
    "rate_limited": ("rate_limited", "Too many requests, try again later", 429, 429),
    "https_required": ("invalid_request", "https is required", 400, 400),
    "request_too_large": ("invalid_request", "The request body is too large", 413, 413),
    "unreadable_body": ("invalid_request", "The request body could not be parsed", 400, 400),
    "method_not_allowed": ("invalid_request", "Method not allowed: use POST", 405, 405),
    "server_error": ("server_error", "The server could not complete the request", 500, 500),
    "temporarily_unavailable": (
        "temporarily_unavailable",
        "The service is temporarily unavailable, try again shortly",
        503,
        503,
    ),
    # ---- authorization endpoint (shown on a page, never redirected) ----
    "unsupported_response_type": (
        "unsupported_response_type",
        "Unsupported response_type, only code is supported",
        400,
        400,
    ),
    "missing_redirect_uri": ("invalid_request", "Missing redirect_uri", 400, 400),
    "unknown_client": ("invalid_client", "Application not found", 404, 404),
    "redirect_uri_not_registered": (
        "invalid_request",
        "redirect_uri does not match client",
        400,
        400,
    ),
    "missing_code_challenge": (
        "invalid_request",
        "Missing code_challenge: this application must use PKCE with S256",
        400,
        400,
    ),
    "unsupported_code_challenge_method": (
        "invalid_request",
        "Unsupported code_challenge_method, only S256 is supported",
        400,
        400,
    ),
    "invalid_code_challenge": (
        "invalid_request",
        "Invalid code_challenge: expected 43 to 128 characters of A-Z, a-z, 0-9, -._~",
        400,
        400,
    ),
    # ---- revocation ----
    "revoke_not_allowed": (
        "unauthorized_client",
        "You are not authorized to revoke this token",
        403,
        403,
    ),
    # ---- API (RFC 6750) ----
    "missing_token": ("invalid_request", "Missing API token", 401, 403),
    "unknown_token": ("invalid_token", "Unknown API token", 401, 403),
    "unsupported_authentication": (
        "invalid_request",
        "Unsupported authentication method",
        401,
        403,
    ),
    "insufficient_scope": (
        "insufficient_scope",
        "This token does not have the {scope} scope",
        403,
        403,
    ),
    "token_in_url": (
        "invalid_request",
        "Send the access token in the Authorization header, not in the URL",
        400,
        400,
    ),
    # ---- Mastodon app registration ----
    "registration_disabled": ("not_found", "App registration is disabled", 404, 404),
    # Any other refusal DRF makes (unsupported media type, unparseable JSON, 405): its own
    # code and status, carried on the error (OAuthError.drf).
    "api_refusal": ("invalid_request", "{description}", 400, 400),
}
