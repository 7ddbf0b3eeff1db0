"""OpenID Connect: discovery, the signing keys (JWKS) and the UserInfo endpoint.

None of them exists in ContentDB: they answer in OpenID Connect's and RFC 6750's shapes
in every dialect.
"""

from django.http import HttpRequest, HttpResponse, JsonResponse
from oauth2_provider.views import oidc as dot_oidc

from oauthapps import errors
from oauthapps.errors import OAuthError
from oauthapps.views import tokens


@errors.machine_endpoint(errors.Shape.RFC)
def openid_configuration(request: HttpRequest) -> JsonResponse:
    """GET /.well-known/openid-configuration: the RFC 8414 metadata document itself.

    One document for both names, so the issuer, the endpoints, the scopes and the grant
    types can never disagree. Readable from any origin, like the keys.
    """
    response = tokens.metadata(request)
    response["Access-Control-Allow-Origin"] = "*"
    return response


class JwksView(dot_oidc.JwksInfoView):
    """GET /.well-known/jwks.json: the public half of the signing key (RS256), its `kid`
    the key's RFC 7638 thumbprint, as in every ID token's header (DOT's view)."""

    machine_endpoint = True
    error_shape = errors.Shape.RFC


class UserInfoView(dot_oidc.UserInfoView):
    """GET or POST /oauth/userinfo/ with `Authorization: Bearer`: the person's claims.

    The token needs the `openid` scope (otherwise 401 `invalid_token`, from oauthlib);
    `preferred_username` and `name` come with `public`, `email` with `email`
    (oauthapps.oidc.CLAIM_SCOPES). A token in the query string is refused (RFC 9700
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
