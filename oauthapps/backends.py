"""The bridge between Django requests and oauthlib.

DOT's OAuthLibCore reads parameters straight from request.GET/POST. Gatehouse first
normalizes them (scopes separated by commas, grant_type from the query string, one
value per parameter) and hands oauthlib exactly those.
"""

import base64
from urllib.parse import quote_plus

from oauth2_provider import oauth2_backends
from oauth2_provider.exceptions import FatalClientError, OAuthToolkitError
from oauth2_provider.oauth2_backends import _add_iss_to_redirect
from oauth2_provider.settings import oauth2_settings
from oauthlib import oauth2
from oauthlib.common import urlencode

from oauthapps import services


class OAuthLibCore(oauth2_backends.OAuthLibCore):
    def _form_headers(self, request) -> dict:
        headers = self.extract_headers(request)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        headers["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
        # DOT decodes HTTP Basic itself, more loosely than Gatehouse (it skips junk around
        # the base64, and a non-ASCII header makes base64 raise: a 500). oauthlib sees the
        # credentials Gatehouse read, re-encoded, or no Authorization header at all.
        headers.pop("HTTP_AUTHORIZATION", None)
        headers.pop("Authorization", None)
        basic = services.basic_credentials(request)
        if basic is not None:
            pair = ":".join(quote_plus(part) for part in basic)
            value = "Basic " + base64.b64encode(pair.encode("utf-8")).decode("ascii")
            headers["HTTP_AUTHORIZATION"] = headers["Authorization"] = value
        return headers

    def token_response(self, request, params: dict[str, str]) -> tuple[dict, str, int]:
        """Run the token endpoint on `params`: (headers, body, status)."""
        try:
            return self.server.create_token_response(
                request.path, "POST", urlencode(params.items()), self._form_headers(request), None
            )
        except oauth2.OAuth2Error as exc:
            return exc.headers, exc.json, exc.status_code

    def _authorization_uri(self, request, params: dict[str, str]) -> str:
        return f"{request.path}?{urlencode(params.items())}"

    def validate_authorization(self, request, params: dict[str, str]):
        """oauthlib's validation of an authorization request: (scopes, credentials)."""
        try:
            return self.server.validate_authorization_request(
                self._authorization_uri(request, params), "GET", "", self.extract_headers(request)
            )
        except oauth2.FatalClientError as error:
            raise FatalClientError(error=error) from error
        except oauth2.OAuth2Error as error:
            raise OAuthToolkitError(error=error) from error

    def authorize(self, request, params: dict[str, str], scopes, credentials) -> str:
        """Issue a code; returns the redirect URI carrying it."""
        credentials = {**credentials, "user": request.user}
        try:
            headers, _, _ = self.server.create_authorization_response(
                uri=self._authorization_uri(request, params),
                http_method="GET",
                headers=self.extract_headers(request),
                scopes=scopes,
                credentials=credentials,
            )
        except oauth2.FatalClientError as error:
            raise FatalClientError(error=error) from error
        except oauth2.OAuth2Error as error:
            raise OAuthToolkitError(error=error) from error
        # RFC 9207 / RFC 9700 §4.4: name the issuer, so a client can detect mix-up.
        return _add_iss_to_redirect(headers["Location"], issuer(request))


def issuer(request) -> str:
    """The issuer identifier: the metadata's `issuer`, and `iss` in authorization responses."""
    return oauth2_settings.oauth2_authorization_server_issuer(request)
