"""The bridge between Django requests and oauthlib.

DOT's OAuthLibCore reads parameters straight from request.GET/POST. Gatehouse first
normalizes them (scopes separated by commas, grant_type from the query string, one
value per parameter; oauthapps/protocol/parsing.py) and hands oauthlib exactly those.
"""

from oauth2_provider import oauth2_backends
from oauth2_provider.exceptions import FatalClientError, OAuthToolkitError
from oauth2_provider.oauth2_backends import _add_iss_to_redirect
from oauth2_provider.settings import oauth2_settings
from oauthlib import oauth2
from oauthlib.common import Request, urlencode

from oauthapps import sessions


class OAuthLibCore(oauth2_backends.OAuthLibCore):
    def token_response(self, request, token_request) -> tuple[Request, str, int]:
        """Run the token endpoint on a parsed request: (oauthlib request, body, status).

        The oauthlib request is built from what Gatehouse parsed, once: oauthlib never
        sees the Authorization header or the client secret (the validator checks the
        `TokenRequest`'s credentials against the application the view loaded), and the
        validator's reason for a refusal stays on the returned request.
        """
        oauthlib_request = Request(
            request.path,
            http_method="POST",
            body=token_request.params,
            headers={"REMOTE_ADDR": request.META.get("REMOTE_ADDR", "")},
        )
        oauthlib_request.gatehouse_token_request = token_request
        oauthlib_request.gatehouse_django_request = request
        try:
            _, body, status = self.server.token_response_for(oauthlib_request)
        except oauth2.OAuth2Error as exc:
            body, status = exc.json, exc.status_code
        return oauthlib_request, body, status

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
        # oauthlib sets each credential on its request: the validator copies the sign-in
        # session's time and id onto the code (oauthapps/sessions.py).
        credentials = {
            **credentials,
            "user": request.user,
            "gatehouse_auth_time": sessions.auth_time(request),
            "gatehouse_sid": sessions.sid(request),
        }
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
