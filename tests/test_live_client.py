"""A standard OAuth client library (Authlib) against a live Gatehouse server:
authorization code + PKCE, refresh, revocation."""

import os
import re
from unittest import mock

import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from django.core.cache import cache
from django.test import LiveServerTestCase, override_settings

from accounts.models import User
from oauthapps import services
from oauthapps.models import Application

REDIRECT_URI = "http://127.0.0.1:9/callback"  # loopback: nothing needs to listen there


# Plain http on loopback: cookies cannot be Secure here.
@override_settings(SESSION_COOKIE_SECURE=False, CSRF_COOKIE_SECURE=False)
class AuthlibClientTestCase(LiveServerTestCase):
    def setUp(self):
        # The live server speaks plain http on loopback.
        patcher = mock.patch.dict(os.environ, {"AUTHLIB_INSECURE_TRANSPORT": "1"})
        patcher.start()
        self.addCleanup(patcher.stop)
        cache.clear()
        self.person = User.objects.create_user("dana", "dana@example.org", "password")
        self.app, self.secret = services.create_application(
            owner=self.person,
            name="Authlib Client",
            redirect_uris=REDIRECT_URI,
            client_type=Application.CLIENT_CONFIDENTIAL,
            allowed_scopes="public email",
        )

    def consent(self, authorize_url: str) -> str:
        """What a person does in the browser: log in, press Authorize. Returns the callback URL."""
        browser = requests.Session()
        self.addCleanup(browser.close)
        login_url = f"{self.live_server_url}/accounts/login/"
        page = browser.get(login_url).text
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        browser.post(
            login_url,
            {"csrfmiddlewaretoken": csrf, "username": "dana", "password": "password"},
            headers={"Referer": login_url},
        )
        page = browser.get(authorize_url).text
        self.assertIn("Authlib Client", page)
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        response = browser.post(
            authorize_url,
            {"csrfmiddlewaretoken": csrf, "authorize": "1"},
            headers={"Referer": authorize_url},
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 302)
        return response.headers["Location"]

    def test_it_completes_code_pkce_refresh_and_revocation(self):
        base = self.live_server_url
        metadata = requests.get(f"{base}/.well-known/oauth-authorization-server").json()
        client = OAuth2Session(
            self.app.client_id,
            self.secret,
            scope="public email",
            redirect_uri=REDIRECT_URI,
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

        callback = self.consent(url)
        token = client.fetch_token(
            metadata["token_endpoint"], authorization_response=callback, code_verifier=verifier
        )
        self.assertEqual(token["token_type"], "Bearer")
        self.assertEqual(token["scope"], "public email")
        me = client.get(f"{base}/api/whoami/").json()
        self.assertEqual((me["username"], me["email"]), ("dana", "dana@example.org"))

        refreshed = client.refresh_token(metadata["token_endpoint"])
        self.assertNotEqual(refreshed["access_token"], token["access_token"])
        self.assertEqual(client.get(f"{base}/api/whoami/").json()["username"], "dana")

        response = client.revoke_token(
            metadata["revocation_endpoint"],
            token=refreshed["refresh_token"],
            token_type_hint="refresh_token",
        )
        self.assertEqual((response.status_code, response.json()), (200, {}))
        response = client.get(f"{base}/api/whoami/")
        self.assertEqual(response.status_code, 403)
        self.assertEqual(response.json()["error"], "Unknown API token")
