"""Client ids, client secrets and tokens, all from the `secrets` module."""

import secrets

from oauth2_provider.generators import BaseHashGenerator


class ClientIdGenerator(BaseHashGenerator):
    def hash(self) -> str:
        return secrets.token_urlsafe(24)


class ClientSecretGenerator(BaseHashGenerator):
    def hash(self) -> str:
        return secrets.token_urlsafe(32)


def generate_token(request=None) -> str:
    """Access and refresh tokens: 256 bits, URL-safe."""
    return secrets.token_urlsafe(32)
