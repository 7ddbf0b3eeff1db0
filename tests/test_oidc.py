"""OpenID Connect: standard clients (Authlib) sign a person in against a live Gatehouse and
validate the ID token against the published keys; ID tokens and their claims
(oauthapps/protocol/openid.py) at the token and userinfo endpoints, the nonce, the openid
scope, refresh, both dialects. (Discovery: tests/test_metadata.py; keys: tests/test_jwks.py;
the signing key's configuration: tests/test_signing_key.py.)"""

import os
import time
from importlib import import_module
from unittest import mock
from urllib.parse import urlsplit

import requests
from authlib.integrations.django_client import OAuth
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core import CodeIDToken
from django.conf import settings
from django.test import LiveServerTestCase, RequestFactory, override_settings
from joserfc import jwt
from joserfc.errors import BadSignatureError, InvalidClaimError
from joserfc.jwk import KeySet

from oauthapps.models import AccessToken, Application, Grant, IDToken
from tests.base import BaseTestCase, WorldMixin, pkce_pair, query_of, rfc_dialect
from tests.world import LIVE_REDIRECT_URI


def validate_id_token(id_token, *, jwks, issuer, client_id, nonce, access_token=None):
    """What a relying party does: the signature against the JWKS (joserfc), then the claims
    (Authlib's OpenID Connect ID token rules: iss, aud, exp, iat, nonce, at_hash)."""
    decoded = jwt.decode(id_token, KeySet.import_key_set(jwks), algorithms=["RS256"])
    params = {"nonce": nonce, "client_id": client_id}
    if access_token:
        params["access_token"] = access_token
    claims = CodeIDToken(
        decoded.claims,
        decoded.header,
        {
            "iss": {"essential": True, "value": issuer},
            "aud": {"essential": True, "value": client_id},
        },
        params,
    )
    claims.validate()
    return decoded.header, dict(claims)


# ---- a standard client against a live server -----------------------------------------------


@override_settings(SESSION_COOKIE_SECURE=False, CSRF_COOKIE_SECURE=False)
class LiveOpenIDConnectTestCase(WorldMixin, LiveServerTestCase):
    """alice and Alice's App (tests/world.py), the app on a loopback redirect URI and
    allowed the openid scope."""

    world_changes = {
        "app": {"redirect_uris": LIVE_REDIRECT_URI, "allowed_scopes": "openid public email"}
    }

    def setUp(self):
        super().setUp()
        patcher = mock.patch.dict(os.environ, {"AUTHLIB_INSECURE_TRANSPORT": "1"})
        patcher.start()
        self.addCleanup(patcher.stop)
        self.discovery = requests.get(
            f"{self.live_server_url}/.well-known/openid-configuration"
        ).json()

    def consent(self, authorize_url: str) -> str:
        return super().consent(authorize_url, page_shows="Sign you in with your account")

    def test_authlib_signs_a_person_in_and_validates_the_id_token(self):
        client = OAuth2Session(
            self.app.client_id,
            self.secret,
            scope="openid public",
            redirect_uri=LIVE_REDIRECT_URI,
            code_challenge_method="S256",
            token_endpoint_auth_method="client_secret_basic",
        )
        self.addCleanup(client.close)
        verifier, nonce = "o" * 64, "n-0S6_WzA2Mj-" + str(time.time_ns())
        url, state = client.create_authorization_url(
            self.discovery["authorization_endpoint"], code_verifier=verifier, nonce=nonce
        )
        callback = self.consent(url)
        self.assertEqual(query_of(callback)["iss"], [self.discovery["issuer"]])
        token = client.fetch_token(
            self.discovery["token_endpoint"],
            authorization_response=callback,
            code_verifier=verifier,
        )
        self.assertEqual(token["scope"], "openid public")

        jwks = requests.get(self.discovery["jwks_uri"]).json()
        header, claims = validate_id_token(
            token["id_token"],
            jwks=jwks,
            issuer=self.discovery["issuer"],
            client_id=self.app.client_id,
            nonce=nonce,
            access_token=token["access_token"],
        )
        self.assertEqual(header["alg"], "RS256")
        self.assertEqual(header["kid"], jwks["keys"][0]["kid"])
        self.assertEqual(claims["iss"], self.live_server_url)
        self.assertEqual(claims["aud"], self.app.client_id)
        self.assertEqual(claims["nonce"], nonce)
        self.assertGreater(claims["exp"], time.time())
        self.assertEqual(claims["sub"], str(self.alice.pk))
        self.assertEqual(claims["preferred_username"], "alice")
        self.assertIn("auth_time", claims)
        self.assertNotIn("email", claims)  # no email scope

        # The wrong nonce (another login's) fails the same validation.
        with self.assertRaises(InvalidClaimError):
            validate_id_token(
                token["id_token"],
                jwks=jwks,
                issuer=self.discovery["issuer"],
                client_id=self.app.client_id,
                nonce="someone-elses-nonce",
            )

        me = client.get(self.discovery["userinfo_endpoint"])
        self.assertEqual(me.status_code, 200)
        self.assertEqual(
            me.json(),
            {"sub": str(self.alice.pk), "preferred_username": "alice", "name": "Alice A."},
        )

        refreshed = client.refresh_token(self.discovery["token_endpoint"])
        _, again = validate_id_token(
            refreshed["id_token"],
            jwks=jwks,
            issuer=self.discovery["issuer"],
            client_id=self.app.client_id,
            nonce=None,
            access_token=refreshed["access_token"],
        )
        self.assertEqual(again["sub"], claims["sub"])
        self.assertEqual(
            client.get(self.discovery["userinfo_endpoint"]).json()["sub"], again["sub"]
        )

    def test_authlibs_django_integration_logs_a_person_in(self):
        # Authlib as a Django relying party: discovery, state, nonce and PKCE in the
        # session, the ID token checked against jwks_uri, all by the library.
        registry = OAuth()
        relying_party = registry.register(
            "gatehouse",
            client_id=self.app.client_id,
            client_secret=self.secret,
            server_metadata_url=f"{self.live_server_url}/.well-known/openid-configuration",
            client_kwargs={"scope": "openid public email", "code_challenge_method": "S256"},
        )
        session = import_module("django.contrib.sessions.backends.cache").SessionStore()
        login = RequestFactory().get("/login")
        login.session = session
        redirect = relying_party.authorize_redirect(login, LIVE_REDIRECT_URI)
        self.assertIn("nonce=", redirect["Location"])
        self.assertIn("code_challenge=", redirect["Location"])

        callback = urlsplit(self.consent(redirect["Location"]))
        back = RequestFactory().get(f"{callback.path}?{callback.query}")
        back.session = session
        token = relying_party.authorize_access_token(back)
        person = token["userinfo"]  # the validated ID token's claims
        self.assertEqual(person["sub"], str(self.alice.pk))
        self.assertEqual(person["iss"], self.discovery["issuer"])
        self.assertEqual(person["email"], "alice@example.org")
        info = relying_party.userinfo(token=token)
        self.assertEqual(info["email"], "alice@example.org")
        self.assertEqual(info["name"], "Alice A.")


# ---- the flow with the test client ---------------------------------------------------------


class IDTokenTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.app.allowed_scopes = "public email openid"
        self.app.save()
        self.jwks = self.client.get("/.well-known/jwks.json").json()

    def sign_in(self, scope="openid public", nonce="a-nonce", **params):
        code = self.get_code(scope=scope, nonce=nonce, **params)
        self.client.logout()
        r = self.exchange(code)
        self.assertEqual(r.status_code, 200, r.content)
        return r.json()

    def claims_of(self, body, nonce="a-nonce"):
        return validate_id_token(
            body["id_token"],
            jwks=self.jwks,
            issuer="http://testserver",
            client_id=self.app.client_id,
            nonce=nonce,
            access_token=body["access_token"],
        )[1]

    def userinfo(self, access_token):
        return self.client.get("/oauth/userinfo/", HTTP_AUTHORIZATION=f"Bearer {access_token}")

    def test_it_adds_a_signed_id_token_to_the_contentdb_token_response(self):
        body = self.sign_in()
        self.assertIs(body["success"], True)
        self.assertEqual(body["scope"], "openid public")
        claims = self.claims_of(body)
        self.assertEqual(claims["sub"], str(self.alice.pk))
        self.assertEqual(claims["aud"], self.app.client_id)
        self.assertEqual(claims["nonce"], "a-nonce")
        self.assertEqual(claims["preferred_username"], "alice")
        self.assertEqual(claims["name"], "Alice A.")
        self.assertNotIn("email", claims)
        self.alice.refresh_from_db()
        self.assertEqual(claims["auth_time"], int(self.alice.last_login.timestamp()))
        lifetime = claims["exp"] - claims["iat"]
        self.assertAlmostEqual(
            lifetime, settings.OAUTH2_PROVIDER["ACCESS_TOKEN_EXPIRE_SECONDS"], delta=2
        )

    def test_its_iss_is_the_authorization_responses_iss(self):
        self.client.force_login(self.alice)
        r = self.client.post(self.authorize_url(scope="openid", nonce="x"), {"authorize": "1"})
        iss, code = query_of(r["Location"])["iss"][0], query_of(r["Location"])["code"][0]
        claims = self.claims_of(self.exchange(code).json(), nonce="x")
        self.assertEqual(claims["iss"], iss)

    def test_its_iss_follows_the_request_like_the_metadatas_issuer(self):
        code = self.get_code(scope="openid", nonce="s")
        data = {"client_id": self.app.client_id, "client_secret": self.secret, "code": code}
        body = self.client.post("/oauth/token/", data, secure=True).json()
        issuer = self.client.get("/.well-known/openid-configuration", secure=True).json()["issuer"]
        self.assertEqual(issuer, "https://testserver")
        claims = validate_id_token(
            body["id_token"], jwks=self.jwks, issuer=issuer, client_id=self.app.client_id, nonce="s"
        )[1]
        self.assertEqual(claims["iss"], issuer)

    def test_a_wrong_nonce_or_a_forged_signature_fails_validation(self):
        body = self.sign_in(nonce="the-nonce")
        with self.assertRaises(InvalidClaimError):
            self.claims_of(body, nonce="another-nonce")
        header, payload, signature = body["id_token"].split(".")
        forged = f"{header}.{payload}.{signature[:-4]}AAAA"
        with self.assertRaises(BadSignatureError):
            self.claims_of({**body, "id_token": forged}, nonce="the-nonce")

    def test_it_carries_the_nonce_verbatim_and_leaves_it_out_when_none_was_sent(self):
        nonce = "ünï côdé/+=&?" + "x" * 200
        self.assertEqual(self.claims_of(self.sign_in(nonce=nonce), nonce=nonce)["nonce"], nonce)
        self.assertNotIn("nonce", self.claims_of(self.sign_in(nonce=None), nonce=None))

    def test_it_refuses_an_overlong_nonce_on_the_page(self):
        self.client.force_login(self.alice)
        r = self.client.get(self.authorize_url(scope="openid", nonce="n" * 256))
        self.assertContains(r, "Invalid nonce parameter", status_code=400)

    def test_it_ignores_a_nonce_without_the_openid_scope(self):
        self.client.force_login(self.alice)
        r = self.client.post(self.authorize_url(nonce="n" * 5000), {"authorize": "1"})
        self.assertEqual(r.status_code, 302)
        self.assertEqual(Grant.objects.get().nonce, "")

    def test_a_token_without_openid_gets_no_id_token_and_no_userinfo(self):
        body = self.sign_in(scope="public email")
        self.assertNotIn("id_token", body)
        r = self.userinfo(body["access_token"])
        self.assertEqual(r.status_code, 401)
        self.assertEqual(r.json()["error"], "invalid_token")
        self.assertTrue(r["WWW-Authenticate"].startswith('Bearer error="invalid_token"'))
        self.assertFalse(IDToken.objects.exists())

    def test_userinfo_releases_the_claims_of_the_tokens_scopes(self):
        only_openid = self.sign_in(scope="openid")
        self.assertEqual(
            self.userinfo(only_openid["access_token"]).json(), {"sub": str(self.alice.pk)}
        )
        everything = self.sign_in(scope="openid public email")
        r = self.userinfo(everything["access_token"])
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r["Content-Type"], "application/json")
        self.assertEqual(r["Cache-Control"], "no-store")
        self.assertEqual(
            r.json(),
            {
                "sub": str(self.alice.pk),
                "preferred_username": "alice",
                "name": "Alice A.",
                "email": "alice@example.org",
            },
        )
        self.assertEqual(self.claims_of(everything)["email"], "alice@example.org")

    def test_userinfo_takes_post_and_refuses_a_token_in_the_url(self):
        token = self.sign_in(scope="openid")["access_token"]
        r = self.client.post("/oauth/userinfo", HTTP_AUTHORIZATION=f"Bearer {token}")
        self.assertEqual(r.json(), {"sub": str(self.alice.pk)})
        r = self.client.get(f"/oauth/userinfo/?access_token={token}")
        self.assertEqual(r.status_code, 400)
        self.assertEqual(r.json()["error"], "invalid_request")
        self.assertEqual(self.client.get("/oauth/userinfo/").status_code, 401)

    def test_userinfo_refuses_revoked_tokens_and_hidden_applications(self):
        self.client.force_login(self.bob)
        r = self.client.post(self.authorize_url(scope="openid", nonce="b"), {"authorize": "1"})
        bobs = self.exchange(query_of(r["Location"])["code"][0]).json()
        self.assertEqual(self.userinfo(bobs["access_token"]).status_code, 200)
        self.app.approved = False  # now it exists only for alice, its owner
        self.app.save()
        self.assertEqual(self.userinfo(bobs["access_token"]).status_code, 401)
        self.app.approved = True
        self.app.save()
        self.client.delete(
            "/api/delete-token/", HTTP_AUTHORIZATION=f"Bearer {bobs['access_token']}"
        )
        self.assertEqual(self.userinfo(bobs["access_token"]).status_code, 401)

    def test_the_refresh_token_grant_keeps_working(self):
        body = self.sign_in()
        r = self.refresh(body["refresh_token"])
        self.assertEqual(r.status_code, 200, r.content)
        refreshed = r.json()
        claims = self.claims_of(refreshed, nonce=None)
        self.assertEqual(claims["sub"], str(self.alice.pk))
        self.assertNotIn("nonce", claims)  # OpenID Connect Core §12.2
        self.assertEqual(self.userinfo(refreshed["access_token"]).status_code, 200)
        self.assertEqual(self.userinfo(body["access_token"]).status_code, 401)  # rotated out
        # Without openid, a refresh is what it always was.
        plain = self.sign_in(scope="public")
        r = self.refresh(plain["refresh_token"])
        self.assertEqual(r.status_code, 200)
        self.assertNotIn("id_token", r.json())

    def test_it_works_for_public_clients_with_pkce(self):
        app, _ = self.make_app(
            owner=self.alice,
            name="Public OIDC",
            client_type=Application.CLIENT_PUBLIC,
            allowed_scopes="openid public",
        )
        verifier, challenge = pkce_pair()
        code = self.get_code(
            app=app,
            scope="openid",
            nonce="p",
            code_challenge=challenge,
            code_challenge_method="S256",
        )
        r = self.client.post(
            "/oauth/token/",
            {
                "grant_type": "authorization_code",
                "client_id": app.client_id,
                "code": code,
                "code_verifier": verifier,
            },
        )
        self.assertEqual(r.status_code, 200, r.content)
        self.assertEqual(
            validate_id_token(
                r.json()["id_token"],
                jwks=self.jwks,
                issuer="http://testserver",
                client_id=app.client_id,
                nonce="p",
            )[1]["aud"],
            app.client_id,
        )

    def test_a_replayed_code_issues_no_second_id_token(self):
        code = self.get_code(scope="openid", nonce="r")
        self.assertEqual(self.exchange(code).status_code, 200)
        r = self.exchange(code)
        self.assertEqual(
            r.json(),
            {"success": False, "error": "Incorrect code. It may have already been redeemed"},
        )
        self.assertEqual(IDToken.objects.count(), 1)
        self.assertFalse(AccessToken.objects.exists())  # RFC 9700 §4.5: the family is revoked

    def test_both_dialects_sign_people_in(self):
        with rfc_dialect():
            body = self.sign_in(nonce="rfc")
            self.assertEqual(self.claims_of(body, nonce="rfc")["sub"], str(self.alice.pk))
            self.assertEqual(self.userinfo(body["access_token"]).status_code, 200)


class OpenIDScopeTestCase(BaseTestCase):
    def test_an_application_may_ask_for_openid_only_if_allowed(self):
        self.client.force_login(self.alice)
        r = self.client.get(self.authorize_url(scope="openid public"))  # allowed: public email
        self.assertContains(r, "Unsupported scope: openid", status_code=400)
        self.app.allowed_scopes = "public openid"
        self.app.save()
        r = self.client.get(self.authorize_url(scope="openid public"))
        self.assertContains(r, "Sign you in with your account")

    def test_client_credentials_cannot_have_openid(self):
        self.app.allowed_scopes = "public openid"
        self.app.allow_client_credentials = True
        self.app.save()
        data = {"grant_type": "client_credentials", "client_id": self.app.client_id}
        data["client_secret"] = self.secret
        r = self.client.post("/oauth/token/", {**data, "scope": "openid"})
        self.assertEqual(r.status_code, 400)
        self.assertEqual(
            r.json()["error"],
            "Unsupported scope: openid. This application may request only: public",
        )
        r = self.client.post("/oauth/token/", {**data, "scope": "public"})
        self.assertEqual(r.status_code, 200)
        self.assertNotIn("id_token", r.json())

    def test_app_registration_and_the_settings_pages_offer_openid(self):
        r = self.client.post(
            "/api/v1/apps",
            {
                "client_name": "Mastodon OIDC",
                "redirect_uris": "https://m.example/cb",
                "scopes": "openid public",
            },
        )
        self.assertEqual(r.status_code, 200, r.content)
        self.assertEqual(r.json()["scopes"], ["openid", "public"])
        self.client.force_login(self.alice)
        self.assertContains(self.client.get("/user/apps/new/"), 'value="openid"')
