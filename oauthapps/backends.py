"""The bridge between Django requests and oauthlib.

DOT's OAuthLibCore reads parameters straight from request.GET/POST. Gatehouse first
normalizes them (scopes separated by commas, grant_type from the query string, one
value per parameter) and hands oauthlib exactly those.
"""

from oauth2_provider import oauth2_backends
from oauth2_provider.exceptions import FatalClientError, OAuthToolkitError
from oauthlib import oauth2
from oauthlib.common import urlencode


class OAuthLibCore(oauth2_backends.OAuthLibCore):
    def _form_headers(self, request) -> dict:
        headers = self.extract_headers(request)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        headers["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
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
        return headers["Location"]
