"""A standard OAuth client library (Authlib) against a live Gatehouse server:
authorization code + PKCE, refresh, revocation."""

import os
from unittest import mock

import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from django.test import LiveServerTestCase, override_settings

from tests.base import WorldMixin
from tests.world import LIVE_REDIRECT_URI


# Plain http on loopback: cookies cannot be Secure here.
@override_settings(SESSION_COOKIE_SECURE=False, CSRF_COOKIE_SECURE=False)
class AuthlibClientTestCase(WorldMixin, LiveServerTestCase):
    """alice and Alice's App (tests/world.py), the app on a loopback redirect URI."""

    world_changes = {"app": {"redirect_uris": LIVE_REDIRECT_URI}}

    def setUp(self):
        super().setUp()
        # The live server speaks plain http on loopback.
        patcher = mock.patch.dict(os.environ, {"AUTHLIB_INSECURE_TRANSPORT": "1"})
        patcher.start()
        self.addCleanup(patcher.stop)

    def test_it_completes_code_pkce_refresh_and_revocation(self):
        base = self.live_server_url
        metadata = requests.get(f"{base}/.well-known/oauth-authorization-server").json()
        client = OAuth2Session(
            self.app.client_id,
            self.secret,
            scope="public email",
            redirect_uri=LIVE_REDIRECT_URI,
            code_challenge_method="S256",
            token_endpoint_auth_method="client_secret_basic",
            revocation_endpoint_auth_method="client_secret_basic",
        )
        self.addCleanup(client.close)
        verifier = "k" * 64
        url, state = client.create_authorization_url(
            metadata["authorization_endpoint"], code_verifier=verifier
        )
        self.assertIn(f"code_challenge={create_s256_code_challenge(verifier)}", url)

        callback = self.consent(url, page_shows="Alice&#x27;s App")
        token = client.fetch_token(
            metadata["token_endpoint"], authorization_response=callback, code_verifier=verifier
        )
        self.assertEqual(token["token_type"], "Bearer")
        self.assertEqual(token["scope"], "public email")
        me = client.get(f"{base}/api/whoami/").json()
        self.assertEqual((me["username"], me["email"]), ("alice", "alice@example.org"))

        refreshed = client.refresh_token(metadata["token_endpoint"])
        self.assertNotEqual(refreshed["access_token"], token["access_token"])
        self.assertEqual(client.get(f"{base}/api/whoami/").json()["username"], "alice")

        response = client.revoke_token(
            metadata["revocation_endpoint"],
            token=refreshed["refresh_token"],
            token_type_hint="refresh_token",
        )
        self.assertEqual((response.status_code, response.json()), (200, {}))
        response = client.get(f"{base}/api/whoami/")
        self.assertEqual(response.status_code, 403)
        self.assertEqual(response.json()["error"], "Unknown API token")
