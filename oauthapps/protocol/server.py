"""The oauthlib server: only the grants Gatehouse offers (no implicit, no hybrid, no password).

OpenID Connect rides on the same three grants, as in oauthlib's own pre-configured
OpenID server (oauthlib.openid.connect.core.endpoints.pre_configured.Server) minus
everything Gatehouse does not offer:

- authorization requests with the `openid` scope go to the OpenID Connect code grant
  (a dispatcher chooses by scope), which also takes `nonce`;
- the token endpoint exchanges every code with the OpenID Connect code grant: it is the
  OAuth 2 grant plus an ID token for codes whose scopes include `openid` (validate_code
  loads them), so oauthlib's dispatcher, which looks the code up once more to choose,
  would only add a query to every exchange;
- a refresh of an `openid` token comes with a new ID token;
- the UserInfo endpoint answers bearer tokens with the `openid` scope.
"""

from oauthlib.common import Request
from oauthlib.oauth2.rfc6749 import utils
from oauthlib.oauth2.rfc6749.endpoints import (
    AuthorizationEndpoint,
    IntrospectEndpoint,
    ResourceEndpoint,
    RevocationEndpoint,
    TokenEndpoint,
)
from oauthlib.oauth2.rfc6749.grant_types import (
    AuthorizationCodeGrant,
    ClientCredentialsGrant,
)
from oauthlib.oauth2.rfc6749.tokens import BearerToken
from oauthlib.openid.connect.core.endpoints import UserInfoEndpoint
from oauthlib.openid.connect.core.grant_types import (
    AuthorizationCodeGrant as OpenIDAuthorizationCodeGrant,
)
from oauthlib.openid.connect.core.grant_types import (
    RefreshTokenGrant as OpenIDRefreshTokenGrant,
)
from oauthlib.openid.connect.core.grant_types.dispatchers import (
    AuthorizationCodeGrantDispatcher,
)


class Server(
    AuthorizationEndpoint,
    IntrospectEndpoint,
    TokenEndpoint,
    ResourceEndpoint,
    RevocationEndpoint,
    UserInfoEndpoint,
):
    def __init__(
        self,
        request_validator,
        token_expires_in=None,
        token_generator=None,
        refresh_token_generator=None,
        *args,
        **kwargs,
    ):
        self.auth_grant = AuthorizationCodeGrant(request_validator)
        self.openid_connect_auth = OpenIDAuthorizationCodeGrant(request_validator)
        self.credentials_grant = ClientCredentialsGrant(request_validator)
        self.refresh_grant = OpenIDRefreshTokenGrant(request_validator)
        self.auth_grant_choice = AuthorizationCodeGrantDispatcher(
            default_grant=self.auth_grant, oidc_grant=self.openid_connect_auth
        )
        # UserInfoEndpoint.__init__ sets its own `bearer` (without token generators):
        # run it first, so the bearer that issues tokens is the one that stays.
        UserInfoEndpoint.__init__(self, request_validator)
        self.bearer = BearerToken(
            request_validator, token_generator, token_expires_in, refresh_token_generator
        )
        AuthorizationEndpoint.__init__(
            self,
            default_response_type="code",
            response_types={"code": self.auth_grant_choice},
            default_token_type=self.bearer,
        )
        TokenEndpoint.__init__(
            self,
            default_grant_type="authorization_code",
            grant_types={
                "authorization_code": self.openid_connect_auth,
                "client_credentials": self.credentials_grant,
                "refresh_token": self.refresh_grant,
            },
            default_token_type=self.bearer,
        )
        ResourceEndpoint.__init__(self, default_token="Bearer", token_types={"Bearer": self.bearer})
        RevocationEndpoint.__init__(self, request_validator)
        IntrospectEndpoint.__init__(self, request_validator)

    def token_response_for(self, request: Request) -> tuple[dict, str, int]:
        """The token endpoint on an oauthlib request the caller built (and keeps).

        oauthlib's `create_token_response` builds its own request from a URI, a body and
        headers and drops it afterwards; Gatehouse builds the request once from the
        parameters it parsed (oauthapps/protocol/parsing.py) and reads the validator's reason for a
        refusal from it afterwards (`errors.refuse`). The steps are oauthlib's own.
        """
        request.scopes = utils.scope_to_list(request.scope)
        request.extra_credentials = None
        handler = self.grant_types.get(request.grant_type, self.default_grant_type_handler)
        return handler.create_token_response(request, self.default_token_type)
