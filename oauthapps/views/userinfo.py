"""OpenID Connect UserInfo: GET or POST /oauth/userinfo/ with a bearer token.

It exists in no ContentDB document: it answers in RFC 6750's shape in every dialect.
"""

from django.http import HttpRequest, HttpResponse
from oauth2_provider.views import oidc as dot_oidc

from oauthapps import errors
from oauthapps.errors import OAuthError


class UserInfoView(dot_oidc.UserInfoView):
    """GET or POST /oauth/userinfo/ with `Authorization: Bearer`: the person's claims.

    The token needs the `openid` scope (otherwise 401 `invalid_token`, from oauthlib);
    `preferred_username` and `name` come with `public`, `email` with `email`
    (oauthapps.protocol.openid.CLAIM_SCOPES). A token in the query string is refused (RFC 9700
    §4.3.2: URLs end up in logs and in Referer headers); a form body is allowed (RFC 6750
    §2.2).
    """

    machine_endpoint = True
    error_shape = errors.Shape.BEARER

    def _create_userinfo_response(self, request: HttpRequest) -> HttpResponse:
        if "access_token" in request.GET:
            response = errors.error_response(OAuthError("token_in_url"), self.error_shape)
        else:
            response = super()._create_userinfo_response(request)
            if response.status_code != 200:  # oauthlib's RFC 6750 errors are JSON too
                response["Content-Type"] = "application/json"
        response["Cache-Control"] = "no-store"
        response["Pragma"] = "no-cache"
        return response
