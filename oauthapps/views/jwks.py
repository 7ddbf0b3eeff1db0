"""The signing keys: GET /.well-known/jwks.json (OpenID Connect Discovery, RFC 7517)."""

from oauth2_provider.views import oidc as dot_oidc

from oauthapps import errors


class JwksView(dot_oidc.JwksInfoView):
    """GET /.well-known/jwks.json: the public half of the signing key (RS256), its `kid`
    the key's RFC 7638 thumbprint, as in every ID token's header (DOT's view)."""

    machine_endpoint = True
    error_shape = errors.Shape.RFC
