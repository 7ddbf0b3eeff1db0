"""Attacks from issue 11, each refused: one test case per hole, tests named after the attack.

docs/security.md names these tests in its rows.
"""

import os
import subprocess
import sys
from io import StringIO
from unittest import mock

from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import override_settings
from joserfc import jwt
from joserfc.jwk import KeySet

from oauthapps.models import AccessToken, Application, AuditEntry, Grant, RefreshToken
from tests.base import REDIRECT_URI, BaseTestCase, oauthapps_settings, pkce_pair, query_of

TOO_MANY = "Too many attempts"


def limits(**rates):
    return oauthapps_settings(RATE_LIMITS=rates)


def signed_in_as(client):
    return client.session.get("_auth_user_id")


# ---- 1. silent consent for public clients (RFC 8252 §8.6) ----------------------------------


class SilentConsentTestCase(BaseTestCase):
    LOOPBACK = "http://127.0.0.1/cb"

    def setUp(self):
        super().setUp()
        self.native, _ = self.make_app(
            owner=self.alice, name="Native App", client_type="public", redirect_uris=self.LOOPBACK
        )

    def authorize_native(self, **extra):
        _, challenge = pkce_pair()
        return self.authorize_url(
            self.native,
            redirect_uri="http://127.0.0.1:31337/cb",
            code_challenge=challenge,
            code_challenge_method="S256",
            **extra,
        )

    def test_silent_consent_is_never_given_to_a_public_client(self):
        # bob authorized the native app once and holds a live token for it.
        verifier, _ = pkce_pair()
        self.client.force_login(self.bob)
        r = self.client.post(self.authorize_native(), {"authorize": "1"})
        code = query_of(r["Location"])["code"][0]
        r = self.client.post(
            "/oauth/token/",
            {
                "grant_type": "authorization_code",
                "client_id": self.native.client_id,
                "code": code,
                "code_verifier": verifier,
                "redirect_uri": "http://127.0.0.1:31337/cb",
            },
        )
        self.assertEqual(r.status_code, 200, r.content)
        # Any page (or any program on the machine) opens the authorization URL: anyone can
        # claim a public client's client_id and listen on a loopback port.
        r = self.client.get(self.authorize_native())
        self.assertEqual(r.status_code, 200, "a code was issued without asking")
        self.assertContains(r, "Authorize")
        self.assertEqual(Grant.objects.filter(application=self.native).count(), 1)

    def test_a_confidential_client_keeps_the_silent_re_approval(self):
        self.get_token(self.bob)
        self.client.force_login(self.bob)
        r = self.client.get(self.authorize_url())
        self.assertEqual(r.status_code, 302)
        self.assertIn("code", query_of(r["Location"]))


# ---- 2. sign-in lockout and bypass ---------------------------------------------------------


class SignInAttacksTestCase(BaseTestCase):
    def login(self, username="bob", password="password", ip="10.0.0.1"):
        return self.client.post(
            "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip
        )

    def test_wrong_passwords_from_elsewhere_cannot_lock_the_owner_out(self):
        for _ in range(10):  # the default limits: ten wrong passwords locked bob out
            self.assertEqual(self.login(password="nope", ip="10.6.6.6").status_code, 200)
        with mock.patch("time.sleep"):
            r = self.login(ip="10.0.0.1")  # bob, from home, with the right password
        self.assertEqual(r.status_code, 302, "the owner was locked out by someone else")
        self.assertEqual(signed_in_as(self.client), str(self.bob.pk))
        # ...while the attacker's address is refused, even with the right password.
        r = self.login(ip="10.6.6.6")
        self.assertContains(r, TOO_MANY, status_code=429)
        self.assertTrue(1 <= int(r["Retry-After"]) <= 900)

    @limits(login_failures_per_username_ip="3/15m")
    def test_padded_full_width_or_other_case_usernames_share_the_limit(self):
        for variant in (" bob", "bob ", "ｂｏｂ"):
            self.assertEqual(self.login(variant, "nope").status_code, 200)
        r = self.login("BOB", "nope")
        self.assertEqual(r.status_code, 429, "a variant of the username escaped the limit")
        self.assertEqual(self.login("bob").status_code, 429)

    @limits(login_failures_per_username_ip="3/15m")
    def test_failures_count_while_the_attacker_is_signed_in_to_another_account(self):
        self.client.force_login(self.charlie)
        for _ in range(3):
            self.assertEqual(self.login(password="nope").status_code, 200)
        self.assertEqual(self.login().status_code, 429, "failures were not counted")

    @limits(login_failures_per_ip="3/15m")
    def test_guessing_many_usernames_from_one_address_is_limited(self):
        for name in ("alice", "bob", "charlie"):
            self.assertEqual(self.login(name, "nope").status_code, 200)
        self.assertContains(self.login("dana", "nope"), TOO_MANY, status_code=429)
        self.assertEqual(self.login(ip="10.0.0.2").status_code, 302)

    @limits(login_failures_per_username="3/15m", login_failures_per_username_ip="100/15m")
    def test_a_distributed_attack_on_one_username_only_slows_it_down(self):
        for n in range(5):
            self.assertEqual(self.login(password="nope", ip=f"10.7.0.{n}").status_code, 200)
        with mock.patch("time.sleep") as sleep:
            r = self.login(ip="10.0.0.1")
        self.assertEqual(r.status_code, 302, "the right password was refused")
        sleep.assert_called_once()
        self.assertLessEqual(sleep.call_args.args[0], 2)
        with mock.patch("time.sleep") as sleep:
            self.login("alice")  # other people are not slowed down
        sleep.assert_not_called()


# ---- 3. the admin sign-in --------------------------------------------------------------------


class AdminSignInTestCase(BaseTestCase):
    def admin_login(self, password="password", username="charlie", ip="10.0.0.1"):
        return self.client.post(
            "/admin/login/?next=/admin/",
            {"username": username, "password": password, "next": "/admin/"},
            REMOTE_ADDR=ip,
        )

    @limits(login_failures_per_username_ip="3/15m")
    def test_password_guessing_at_the_admin_sign_in_is_limited(self):
        for _ in range(3):
            self.assertEqual(self.admin_login("nope").status_code, 200)
        r = self.admin_login()
        self.assertEqual(r.status_code, 429, "the admin sign-in has no limit")
        self.assertIn("Retry-After", r)
        # One limit for both sign-in pages.
        r = self.client.post(
            "/accounts/login/",
            {"username": "charlie", "password": "password"},
            REMOTE_ADDR="10.0.0.1",
        )
        self.assertEqual(r.status_code, 429)

    def test_the_admin_sign_in_still_admits_only_staff(self):
        r = self.admin_login(username="bob")
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "staff account")
        self.assertIsNone(signed_in_as(self.client))
        r = self.admin_login()
        self.assertEqual((r.status_code, r["Location"]), (302, "/admin/"))
        self.assertEqual(self.client.get("/admin/").status_code, 200)


# ---- 4. logout by link -------------------------------------------------------------------------


class ForceLoginLinkTestCase(BaseTestCase):
    def test_a_link_with_force_login_cannot_sign_anyone_out(self):
        self.client.force_login(self.bob)
        for url in (
            "/oauth/authorize/?force_login=true",
            self.authorize_url(force_login="true", redirect_uri="https://evil.example/"),
            self.authorize_url(force_login="true", client_id="nope"),
        ):
            with self.subTest(url=url):
                r = self.client.get(url)
                self.assertIn(r.status_code, (400, 404))
                self.assertTemplateUsed(r, "oauthapps/error.html")
                self.assertEqual(signed_in_as(self.client), str(self.bob.pk), "signed out")

    def test_force_login_still_signs_out_for_a_valid_request(self):
        self.client.force_login(self.bob)
        r = self.client.get(self.authorize_url(force_login="true"))
        self.assertTrue(r["Location"].startswith("/accounts/login/"))
        self.assertIsNone(signed_in_as(self.client))

    def test_a_visitor_who_is_not_signed_in_signs_in_once(self):
        self.get_token(self.bob)
        r = self.client.get(self.authorize_url(force_login="true"))
        self.assertTrue(r["Location"].startswith("/accounts/login/"))
        self.assertNotIn("force_login", r["Location"])
        r = self.client.post(r["Location"], {"username": "bob", "password": "password"})
        r = self.client.get(r["Location"])
        self.assertContains(r, "Authorize")  # the consent page, no second sign-in


# ---- 5. unapproved applications --------------------------------------------------------------


class UnapprovedApplicationTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.app.allow_client_credentials = True
        self.app.save()
        self.server, self.server_secret = self.make_app(
            owner=self.charlie, name="Resource Server", is_resource_server=True
        )

    def client_credentials(self):
        return self.client.post(
            "/oauth/token/",
            {
                "grant_type": "client_credentials",
                "client_id": self.app.client_id,
                "client_secret": self.secret,
            },
        )

    def unapprove(self):
        self.app.approved = False
        self.app.save()

    def test_an_unapproved_application_gets_no_client_credentials_token(self):
        self.unapprove()
        r = self.client_credentials()
        self.assertEqual(
            r.json(), {"success": False, "error": "client_id and/or client_secret is incorrect"}
        )
        self.assertFalse(AccessToken.objects.exists())

    def test_an_unapproved_applications_own_tokens_stop_working_at_once(self):
        token = self.client_credentials().json()["access_token"]
        self.unapprove()
        r = self.client.get("/api/whoami/", HTTP_AUTHORIZATION=f"Bearer {token}")
        self.assertEqual(r.json(), {"success": False, "error": "Unknown API token"})
        for client, secret in ((self.app, self.secret), (self.server, self.server_secret)):
            r = self.client.post(
                "/oauth/introspect",
                {"client_id": client.client_id, "client_secret": secret, "token": token},
            )
            self.assertEqual(r.json(), {"active": False}, client.name)
        r = self.client.get("/oauth/userinfo/", HTTP_AUTHORIZATION=f"Bearer {token}")
        self.assertEqual(r.status_code, 401)

    def test_the_owner_keeps_signing_in_with_an_unapproved_application(self):
        self.unapprove()
        r = self.exchange(self.get_code(self.alice))
        self.assertEqual(r.status_code, 200, r.content)
        token = r.json()["access_token"]
        r = self.client.get("/api/whoami/", HTTP_AUTHORIZATION=f"Bearer {token}")
        self.assertEqual(r.json()["username"], "alice")


# ---- 6. a password change ends every grant ---------------------------------------------------


class PasswordChangeTestCase(BaseTestCase):
    NEW = "a-new-long-passphrase"

    def change_password(self, **extra):
        data = {"old_password": "password", "new_password1": self.NEW, "new_password2": self.NEW}
        return self.client.post("/accounts/password/", {**data, **extra})

    def test_a_password_change_ends_every_applications_access(self):
        token = self.exchange(self.get_code(self.bob)).json()
        self.client.logout()
        self.client.force_login(self.bob)
        page = self.client.get("/accounts/password/")
        self.assertContains(page, 'name="revoke_authorizations"')
        self.assertContains(page, "checked")
        r = self.change_password(revoke_authorizations="on")
        self.assertEqual(r.status_code, 302, r.context and r.context["form"].errors)
        r = self.client.get(r["Location"])
        self.assertContains(r, "no application can use your account")
        who = self.client.get("/api/whoami/", HTTP_AUTHORIZATION=f"Bearer {token['access_token']}")
        self.assertEqual(who.status_code, 403, "the thief's token still works")
        self.assertEqual(self.refresh(token["refresh_token"]).status_code, 400)
        self.assertFalse(AccessToken.objects.filter(user=self.bob).exists())
        self.assertFalse(RefreshToken.objects.filter(user=self.bob, revoked=None).exists())
        entry = AuditEntry.objects.get(action=AuditEntry.Action.AUTHORIZATION_REVOKED)
        self.assertEqual((entry.actor, entry.application), (self.bob, self.app))
        self.assertEqual(entry.detail, {"reason": "password_changed"})

    def test_an_unredeemed_code_dies_with_the_password_change(self):
        code = self.get_code(self.bob)
        self.change_password(revoke_authorizations="on")
        self.assertEqual(self.exchange(code).status_code, 400)

    def test_the_person_may_keep_the_authorizations(self):
        token = self.exchange(self.get_code(self.bob)).json()["access_token"]
        r = self.change_password()  # box unticked
        self.assertEqual(r.status_code, 302)
        who = self.client.get("/api/whoami/", HTTP_AUTHORIZATION=f"Bearer {token}")
        self.assertEqual(who.json()["username"], "bob")
        revoked = AuditEntry.objects.filter(action=AuditEntry.Action.AUTHORIZATION_REVOKED)
        self.assertFalse(revoked.exists())


# ---- 8. lookalike application titles -----------------------------------------------------------


LOOKALIKES = {
    "zero-width space": "Alice Server\u200b",
    "Cyrillic A": "\u0410lice Server",
    "no-break space": "Alice\u00a0Server",
    "right-to-left override": "\u202eAlice Server",
    "verified badge": "Alice Server ✔ Verified",
    "capital I for l": "AIice Server",
    "full-width letters": "Ａｌｉｃｅ Server",
    "extra spaces": "Alice  Server ",
}


class LookalikeTitleTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.make_app(owner=self.alice, name="Alice Server")

    def register(self, name):
        return self.client.post(
            "/api/v1/apps",
            {"client_name": name, "redirect_uris": "https://example.com/cb"},
            content_type="application/json",
        )

    def test_lookalike_titles_are_refused_at_registration(self):
        for case, name in LOOKALIKES.items():
            with self.subTest(case):
                r = self.register(name)
                self.assertEqual(r.status_code, 422, f"{name!r} was accepted")
                self.assertTrue(r.json()["error"].startswith("Validation failed: client_name"))
        self.assertEqual(Application.objects.count(), 2)

    def test_badge_imitations_are_refused_whatever_else_the_title_says(self):
        names = ("Official Tool", "Vеrified Tool", "Tool ✓", "Tool ☑", "Tool ✅", "TRUSTED app")
        for name in names:
            with self.subTest(name):
                self.assertEqual(self.register(name).status_code, 422, f"{name!r} was accepted")

    def test_lookalike_titles_are_refused_on_every_path(self):
        name = "\u0410lice Server"
        self.client.force_login(self.bob)
        r = self.client.post(
            "/user/apps/new/",
            {
                "name": name,
                "redirect_uris": REDIRECT_URI,
                "client_type": "confidential",
                "allowed_scopes": ["public"],
            },
        )
        self.assertTemplateNotUsed(r, "oauthapps/app_secret.html", "the settings page accepted it")
        self.assertIn("name", r.context["form"].errors)
        with self.assertRaises(CommandError):
            call_command(
                "createapp",
                "--owner=bob",
                f"--title={name}",
                f"--redirect-uri={REDIRECT_URI}",
                stdout=StringIO(),
            )
        self.client.force_login(self.charlie)
        change = f"/admin/oauthapps/application/{self.app.pk}/change/"
        data = {
            "name": name,
            "description": "",
            "user": str(self.alice.pk),
            "client_type": "confidential",
            "authorization_grant_type": "authorization-code",
            "redirect_uris": REDIRECT_URI,
            "allowed_scopes": "public",
            "approved": "on",
        }
        r = self.client.post(change, data)
        self.assertEqual(r.status_code, 200)
        self.assertIn("name", r.context["adminform"].form.errors)
        self.assertEqual(Application.objects.filter(name=name).count(), 0)

    def test_ordinary_titles_are_still_accepted(self):
        for name in ("Bob's Tool", "Café Übersicht", "Ünïcode Äpp 2", "Сервер Боба"):
            with self.subTest(name):
                self.assertEqual(self.register(name).status_code, 200, name)

    def test_an_anonymously_registered_application_carries_a_caution(self):
        client_id = self.register("Stranger Tool").json()["client_id"]
        anonymous = Application.objects.get(client_id=client_id)
        self.client.force_login(self.bob)
        r = self.client.get(self.authorize_url(anonymous, redirect_uri="https://example.com/cb"))
        self.assertContains(r, "This application was registered anonymously.")
        self.assertNotContains(self.client.get(self.authorize_url()), "registered anonymously")


# ---- 9. redirect URIs that can never work --------------------------------------------------


class UnusableRedirectURITestCase(BaseTestCase):
    UNUSABLE = [
        "https://exämple.com/cb",
        "https://example.com/a\\b",
        'https://example.com/"cb"',
        "https://example.com/<cb>",
        "https://example.com/cb?x=%ZZ",
    ]

    def test_redirect_uris_that_can_never_work_are_refused_at_registration(self):
        for n, uri in enumerate(self.UNUSABLE):
            with self.subTest(uri):
                r = self.client.post(
                    "/api/v1/apps",
                    {"client_name": f"Broken Client {n}", "redirect_uris": [uri]},
                    content_type="application/json",
                )
                self.assertEqual(r.status_code, 422, f"{uri} was registered")
                self.assertIn("redirect_uris", r.json()["error"])

    def test_the_settings_pages_refuse_them_too(self):
        self.client.force_login(self.bob)
        r = self.client.post(
            "/user/apps/new/",
            {
                "name": "Broken Client",
                "redirect_uris": "https://exämple.com/cb",
                "client_type": "confidential",
                "allowed_scopes": ["public"],
            },
        )
        self.assertTemplateNotUsed(r, "oauthapps/app_secret.html", "the settings page accepted it")
        self.assertIn("redirect_uris", r.context["form"].errors)

    def test_idn_hosts_in_their_ascii_form_still_work(self):
        uri = "https://xn--exmple-cua.com/cb"
        app, _ = self.make_app(owner=self.alice, name="IDN Client", redirect_uris=uri)
        self.client.force_login(self.bob)
        r = self.client.post(self.authorize_url(app, redirect_uri=uri), {"authorize": "1"})
        self.assertTrue(r["Location"].startswith(uri + "?code="))


# ---- 11. metadata does not offer unauthenticated introspection ----------------------------


class IntrospectionMetadataTestCase(BaseTestCase):
    def test_metadata_does_not_offer_introspection_without_client_authentication(self):
        doc = self.client.get("/.well-known/oauth-authorization-server").json()
        self.assertNotIn("none", doc["introspection_endpoint_auth_methods_supported"])
        self.assertEqual(
            doc["introspection_endpoint_auth_methods_supported"],
            ["client_secret_basic", "client_secret_post"],
        )


# ---- 12. refresh token reuse within seconds -------------------------------------------------


class RefreshReuseTestCase(BaseTestCase):
    def test_a_stolen_refresh_token_replayed_within_seconds_revokes_the_family(self):
        first = self.exchange(self.get_code(self.bob)).json()
        second = self.refresh(first["refresh_token"]).json()
        self.assertEqual(self.refresh(first["refresh_token"]).status_code, 400)
        r = self.refresh(second["refresh_token"])
        self.assertEqual(r.status_code, 400, "the family survived a replay within the grace")
        self.assertEqual(settings.OAUTHAPPS["REFRESH_TOKEN_GRACE_SECONDS"], 0)


# ---- 13. the issuer does not follow the Host header -----------------------------------------

HOSTS = "auth.example.org,evil.example"
ISSUER = "https://auth.example.org"


def run_settings(script: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("OAUTH_ISSUER", "DATABASE_URL")}
    environment = {
        **clean,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "DATABASE_URL": "sqlite:///:memory:",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + script],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
    )


class IssuerTestCase(BaseTestCase):
    def test_a_forged_host_header_does_not_change_the_issuer(self):
        script = (
            "from django.test import Client\n"
            "metadata = '/.well-known/oauth-authorization-server'\n"
            "r = Client().get(metadata, HTTP_HOST='evil.example')\n"
            "print(r.json()['issuer'])\n"
        )
        result = run_settings(script, OAUTH_ISSUER=ISSUER, DJANGO_ALLOWED_HOSTS=HOSTS)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.strip(), ISSUER)

    def test_it_refuses_an_issuer_that_is_not_an_https_url(self):
        for value in ("http://auth.example.org", "auth.example.org", "https://a.example/?x=1"):
            with self.subTest(value):
                result = run_settings("", OAUTH_ISSUER=value)
                self.assertNotEqual(result.returncode, 0)
                self.assertIn("ImproperlyConfigured: OAUTH_ISSUER", result.stderr)

    @override_settings(
        ALLOWED_HOSTS=HOSTS.split(","),
        OAUTH2_PROVIDER={**settings.OAUTH2_PROVIDER, "OIDC_ISS_ENDPOINT": ISSUER},
    )
    def test_every_iss_names_the_configured_issuer_whatever_the_host(self):
        self.app.allowed_scopes = "public openid"
        self.app.save()
        self.client.force_login(self.bob)
        host = {"HTTP_HOST": "evil.example"}
        r = self.client.post(self.authorize_url(scope="openid"), {"authorize": "1"}, **host)
        self.assertEqual(query_of(r["Location"])["iss"], [ISSUER])
        data = {"client_id": self.app.client_id, "client_secret": self.secret}
        data["code"] = query_of(r["Location"])["code"][0]
        body = self.client.post("/oauth/token/", data, **host).json()
        jwks = KeySet.import_key_set(self.client.get("/.well-known/jwks.json", **host).json())
        self.assertEqual(jwt.decode(body["id_token"], jwks).claims["iss"], ISSUER)
        doc = self.client.get("/.well-known/openid-configuration", **host).json()
        self.assertEqual(doc["issuer"], ISSUER)


# ---- 7. two client authentication methods in one request (RFC 6749 §2.3) -----------------


class TwoAuthenticationMethodsTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.app.allow_client_credentials = True
        self.app.save()

    def basic(self, secret):
        import base64

        pair = f"{self.app.client_id}:{secret}".encode()
        return "Basic " + base64.b64encode(pair).decode()

    def attempts(self):
        # Basic with a wrong secret plus the right secret in the body, and the reverse.
        yield self.basic("wrong"), {"client_secret": self.secret}
        yield self.basic(self.secret), {"client_secret": "wrong"}
        yield self.basic(self.secret), {"client_id": self.app.client_id, "client_secret": "x"}

    def test_two_client_authentication_methods_in_one_request_are_refused(self):
        for dialect, expected in (
            (
                "contentdb",
                (400, {"success": False, "error": "client_id and/or client_secret is incorrect"}),
            ),
            (
                "rfc6749",
                (
                    401,
                    {
                        "error": "invalid_client",
                        "error_description": "client_id and/or client_secret is incorrect",
                    },
                ),
            ),
        ):
            for authorization, body in self.attempts():
                with self.subTest(dialect=dialect, body=body), oauthapps_settings(DIALECT=dialect):
                    response = self.client.post(
                        "/oauth/token/",
                        {"grant_type": "client_credentials", **body},
                        HTTP_AUTHORIZATION=authorization,
                    )
                    self.assertEqual((response.status_code, response.json()), expected)
        self.assertFalse(AccessToken.objects.filter(application=self.app).exists())

    def test_revocation_and_introspection_refuse_two_methods_too(self):
        for path in ("/oauth/revoke", "/oauth/introspect"):
            for authorization, body in self.attempts():
                with self.subTest(path=path, body=body):
                    response = self.client.post(
                        path, {"token": "x", **body}, HTTP_AUTHORIZATION=authorization
                    )
                    self.assertEqual(response.status_code, 401, response.content)
                    self.assertEqual(response.json()["error"], "invalid_client")

    def test_one_method_at_a_time_still_works(self):
        ok = self.client.post(
            "/oauth/token/",
            {"grant_type": "client_credentials"},
            HTTP_AUTHORIZATION=self.basic(self.secret),
        )
        self.assertEqual(ok.status_code, 200)
        ok = self.client.post(
            "/oauth/token/",
            {
                "grant_type": "client_credentials",
                "client_id": self.app.client_id,
                "client_secret": self.secret,
            },
        )
        self.assertEqual(ok.status_code, 200)


# ---- 10. plain http at the machine endpoints ------------------------------------------------


@override_settings(SECURE_SSL_REDIRECT=True)
class PlainHttpAttackTestCase(BaseTestCase):
    def test_a_plain_http_token_request_is_refused_not_redirected(self):
        response = self.client.post(
            "/oauth/token/",
            {
                "grant_type": "client_credentials",
                "client_id": self.app.client_id,
                "client_secret": self.secret,
            },
        )
        # No 301 to https that a client would follow after sending its secret in clear.
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json(), {"success": False, "error": "https is required"})
        for method, path in (
            ("POST", "/oauth/revoke"),
            ("POST", "/oauth/introspect"),
            ("GET", "/api/whoami/"),
            ("GET", "/oauth/userinfo/"),
        ):
            with self.subTest(path):
                self.assertEqual(self.client.generic(method, path).status_code, 400)
        self.assertEqual(self.client.get("/accounts/login/").status_code, 301)
