"""/oauth/authorize/ (oauthapps/views/authorize.py): login first, validation pages, the
consent page, authorize and cancel, force_login, silent re-approval, and what the
endpoint never does (redirect an invalid request, answer a cross-site form, send CORS
headers, issue tokens itself)."""

import re
from urllib.parse import quote

from django.test import Client

from oauthapps.models import AccessToken, Grant
from oauthapps.protocol.digests import digest
from tests.base import REDIRECT_URI, BaseTestCase, pkce_pair, query_of, rfc_dialect, signed_in_as


class LoginTestCase(BaseTestCase):
    def test_it_sends_a_visitor_to_the_login_page_first(self):
        url = self.authorize_url(state="xyz")
        r = self.client.get(url)
        self.assertEqual(r.status_code, 302)
        self.assertEqual(r["Location"], "/accounts/login/?next=" + quote(url, safe="/"))

    def test_it_asks_for_login_before_validating_anything(self):
        r = self.client.get("/oauth/authorize/?client_id=nope")
        self.assertEqual(r.status_code, 302)
        self.assertTrue(r["Location"].startswith("/accounts/login/"))

    def test_it_comes_back_to_the_consent_page_after_login(self):
        url = self.authorize_url(state="xyz")
        r = self.client.post(
            "/accounts/login/", {"username": "alice", "password": "password", "next": url}
        )
        self.assertEqual(r.status_code, 302)
        self.assertEqual(r["Location"], url)
        r = self.client.get(url)
        self.assertContains(r, "Alice&#x27;s App")


class ConsentPageTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.app.description = "Shows your profile on a map."
        self.app.verified = True
        self.app.save()
        self.client.force_login(self.bob)

    def test_it_shows_the_application_owner_scopes_and_destination(self):
        r = self.client.get(self.authorize_url(scope="public email"))
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "Alice&#x27;s App")
        self.assertContains(r, "Alice A.")  # the owner's display name
        self.assertContains(r, "Verified")
        self.assertContains(r, "Shows your profile on a map.")
        self.assertContains(r, "Read your public profile")
        self.assertContains(r, "Read your email address")
        self.assertContains(r, REDIRECT_URI)

    def test_it_cannot_be_framed(self):
        r = self.client.get(self.authorize_url())
        self.assertEqual(r["X-Frame-Options"], "DENY")

    def test_it_answers_on_every_documented_path(self):
        for path in ("/oauth/authorize/", "/oauth/authorize", "/oauth2/authorize"):
            url = self.authorize_url().replace("/oauth/authorize/", path)
            r = self.client.get(url)
            self.assertContains(r, "Authorize", status_code=200, msg_prefix=path)

    def test_it_accepts_the_miwa_parameter_order(self):
        url = (
            f"/oauth2/authorize?client_id={self.app.client_id}"
            f"&redirect_uri={quote(REDIRECT_URI, safe='')}&response_type=code&scope=public"
        )
        self.assertEqual(self.client.get(url).status_code, 200)


class AuthorizeTestCase(BaseTestCase):
    def test_it_redirects_with_code_and_state(self):
        self.client.force_login(self.bob)
        r = self.client.post(self.authorize_url(state="a b&c"), {"authorize": "1"})
        self.assertEqual(r.status_code, 302)
        self.assertTrue(r["Location"].startswith(REDIRECT_URI + "?"))
        query = query_of(r["Location"])
        self.assertEqual(query["state"], ["a b&c"])
        grant = Grant.objects.get(code=digest(query["code"][0]))
        self.assertEqual(grant.user, self.bob)
        self.assertEqual(grant.scope, "public")

    def test_it_redirects_without_state_when_none_was_sent(self):
        self.client.force_login(self.bob)
        r = self.client.post(self.authorize_url(), {"authorize": "1"})
        self.assertEqual(set(query_of(r["Location"])), {"code", "iss"})

    def test_it_names_the_issuer_in_the_response(self):
        # RFC 9207 (RFC 9700 §4.4): the issuer, as the metadata publishes it, defeats mix-up.
        self.client.force_login(self.bob)
        r = self.client.post(self.authorize_url(state="s"), {"authorize": "1"})
        issuer = self.client.get("/.well-known/oauth-authorization-server").json()["issuer"]
        self.assertEqual(query_of(r["Location"])["iss"], [issuer])
        self.assertEqual(issuer, "http://testserver")

    def test_it_keeps_the_redirect_uris_own_query(self):
        uri = "https://example.com/cb?tenant=7"
        app, _ = self.make_app(owner=self.alice, name="With Query", redirect_uris=uri)
        self.client.force_login(self.bob)
        r = self.client.post(self.authorize_url(app, redirect_uri=uri), {"authorize": "1"})
        self.assertTrue(r["Location"].startswith("https://example.com/cb?tenant=7&code="))

    def test_it_does_not_ask_again_for_scopes_already_granted(self):
        self.get_token(self.bob)
        self.client.force_login(self.bob)
        r = self.client.get(self.authorize_url())
        self.assertEqual(r.status_code, 302)
        self.assertIn("code", query_of(r["Location"]))
        self.assertEqual(AccessToken.objects.filter(user=self.bob).count(), 1)

    def test_it_asks_again_for_new_scopes(self):
        self.get_token(self.bob)
        self.client.force_login(self.bob)
        r = self.client.get(self.authorize_url(scope="public email"))
        self.assertEqual(r.status_code, 200)

    def test_it_shows_the_code_for_the_out_of_band_uri(self):
        oob = "urn:ietf:wg:oauth:2.0:oob"
        app, _ = self.make_app(owner=self.alice, name="Console App", redirect_uris=oob)
        self.client.force_login(self.bob)
        r = self.client.post(self.authorize_url(app, redirect_uri=oob), {"authorize": "1"})
        self.assertEqual(r.status_code, 200)
        code = re.search(r'<code class="secret" id="oob-code">([^<]+)</code>', r.text).group(1)
        self.assertEqual(Grant.objects.get(application=app).code, digest(code))


class CancelTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.client.force_login(self.bob)

    def test_it_returns_to_the_registered_redirect_uri_unmodified(self):
        r = self.client.post(self.authorize_url(state="xyz"), {"cancel": "1"})
        self.assertEqual(r.status_code, 302)
        self.assertEqual(r["Location"], REDIRECT_URI)
        self.assertFalse(Grant.objects.exists())

    def test_it_never_redirects_to_a_uri_from_the_form(self):
        r = self.client.post(
            self.authorize_url(), {"cancel": "1", "redirect_uri": "https://evil.example/"}
        )
        self.assertEqual(r["Location"], REDIRECT_URI)

    @rfc_dialect()
    def test_it_sends_access_denied_in_the_rfc_dialect(self):
        r = self.client.post(self.authorize_url(state="xyz"), {"cancel": "1"})
        self.assertEqual(
            r["Location"],
            REDIRECT_URI + "?error=access_denied&state=xyz&iss=http%3A%2F%2Ftestserver",
        )


class InvalidRequestTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.client.force_login(self.bob)

    def assertPage(self, url: str, status: int, message: str) -> None:
        for method in (self.client.get, self.client.post):
            r = method(url, {"authorize": "1"} if method == self.client.post else None)
            self.assertEqual(r.status_code, status, r.content)
            self.assertContains(r, message, status_code=status)
            self.assertNotIn("Location", r)
        self.assertFalse(Grant.objects.exists())

    def test_it_refuses_a_missing_client_id(self):
        self.assertPage(self.authorize_url(client_id=""), 400, "Missing client_id")

    def test_it_refuses_a_missing_redirect_uri(self):
        self.assertPage(self.authorize_url(redirect_uri=None), 400, "Missing redirect_uri")

    def test_it_refuses_a_redirect_uri_that_does_not_match(self):
        for uri in (
            "https://evil.example/callback/",
            "https://example.com/callback",  # no trailing slash
            "https://example.com/callback/?x=1",
            "https://example.com/callback/#frag",
            "https://EXAMPLE.com/callback/",
        ):
            self.assertPage(
                self.authorize_url(redirect_uri=uri), 400, "redirect_uri does not match client"
            )

    def test_it_refuses_an_unknown_client_with_404(self):
        self.assertPage(self.authorize_url(client_id="nope"), 404, "Application not found")

    def test_it_refuses_other_response_types(self):
        self.assertPage(
            self.authorize_url(response_type="token"),
            400,
            "Unsupported response_type, only code is supported",
        )

    def test_it_names_the_allowed_scopes(self):
        self.assertPage(
            self.authorize_url(scope="public admin"),
            400,
            "Unsupported scope: admin. This application may request only: public, email",
        )

    def test_it_refuses_repeated_parameters(self):
        url = self.authorize_url() + "&client_id=other"
        self.assertPage(url, 400, "Duplicate client_id parameter")

    def test_it_refuses_nul_bytes(self):
        self.assertPage(self.authorize_url(state="a\x00b"), 400, "Invalid state parameter")


class UnapprovedApplicationTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.app.approved = False
        self.app.save()

    def test_it_does_not_exist_for_other_people(self):
        self.client.force_login(self.bob)
        r = self.client.get(self.authorize_url())
        self.assertContains(r, "Application not found", status_code=404)

    def test_it_works_for_its_owner(self):
        self.client.force_login(self.alice)
        r = self.client.get(self.authorize_url())
        self.assertContains(r, "Unapproved")


class PKCETestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.public, _ = self.add_app("public_app")
        self.client.force_login(self.bob)

    def test_it_requires_a_challenge_from_public_clients(self):
        r = self.client.get(self.authorize_url(self.public))
        self.assertContains(r, "Missing code_challenge", status_code=400)

    def test_it_refuses_the_plain_method(self):
        r = self.client.get(
            self.authorize_url(self.public, code_challenge="x" * 43, code_challenge_method="plain")
        )
        self.assertContains(r, "only S256 is supported", status_code=400)

    def test_it_accepts_s256(self):
        _, challenge = pkce_pair()
        r = self.client.get(
            self.authorize_url(self.public, code_challenge=challenge, code_challenge_method="S256")
        )
        self.assertEqual(r.status_code, 200)

    def test_it_does_not_require_pkce_from_confidential_clients(self):
        self.assertEqual(self.client.get(self.authorize_url()).status_code, 200)


class RedirectURIKindsTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.native, _ = self.make_app(
            owner=self.alice,
            name="Native App",
            redirect_uris="http://127.0.0.1/cb com.example.app:/oauth https://example.com/b",
        )
        self.client.force_login(self.bob)

    def authorize(self, uri: str):
        return self.client.post(
            self.authorize_url(self.native, redirect_uri=uri), {"authorize": "1"}
        )

    def test_it_matches_a_loopback_uri_on_any_port(self):
        r = self.authorize("http://127.0.0.1:51234/cb")
        self.assertTrue(r["Location"].startswith("http://127.0.0.1:51234/cb?code="))

    def test_it_does_not_relax_the_loopback_path(self):
        self.assertEqual(self.authorize("http://127.0.0.1:51234/other").status_code, 400)

    def test_it_redirects_to_a_custom_scheme(self):
        r = self.authorize("com.example.app:/oauth")
        self.assertTrue(r["Location"].startswith("com.example.app:/oauth?code="))

    def test_it_accepts_any_registered_uri(self):
        r = self.authorize("https://example.com/b")
        self.assertTrue(r["Location"].startswith("https://example.com/b?code="))


class ForceLoginTestCase(BaseTestCase):
    def test_it_signs_the_person_out_and_asks_again(self):
        self.get_token(self.bob)  # bob already authorized the app
        self.client.force_login(self.bob)
        r = self.client.get(self.authorize_url(force_login="true"))
        self.assertEqual(r.status_code, 302)
        self.assertTrue(r["Location"].startswith("/accounts/login/"))
        self.assertNotIn("force_login", r["Location"])
        r = self.client.post(
            r["Location"], {"username": "bob", "password": "password"}, follow=True
        )
        self.assertContains(r, "Authorize")  # the consent page, not an automatic code


# ---- issue 11, attack 4: logout by link -----------------------------------------------------


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


# ---- issue 11, attack 1: silent consent for public clients (RFC 8252 §8.6) ------------------


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


# ---- RFC 9700 §2.1, §4.12: never a 307 after a form that may carry credentials ----------


class RedirectStatusTestCase(BaseTestCase):
    def test_it_answers_the_consent_form_with_302_never_307(self):
        self.client.force_login(self.bob)
        for button in ("authorize", "cancel"):
            with self.subTest(button):
                r = self.client.post(self.authorize_url(state="xyz"), {button: "1"})
                self.assertEqual(r.status_code, 302)
                self.assertTrue(r["Location"].startswith(REDIRECT_URI))
        # A person who already granted the application is sent back by GET, also with 302.
        self.issue(self.bob)
        self.client.force_login(self.bob)
        r = self.client.get(self.authorize_url())
        self.assertEqual(r.status_code, 302)
        self.assertTrue(r["Location"].startswith(REDIRECT_URI + "?code="))


# ---- RFC 9700 §2.1, §4.11; RFC 6749 §10.15: no open redirectors --------------------------


class OpenRedirectTestCase(BaseTestCase):
    def test_it_never_redirects_an_invalid_request_to_the_redirect_uri(self):
        self.client.force_login(self.bob)
        for params in (
            {"scope": "admin"},
            {"response_type": "token"},
            {"code_challenge": "short", "code_challenge_method": "S256"},
            {"code_challenge": "x" * 43, "code_challenge_method": "plain"},
        ):
            for method in (self.client.get, self.client.post):
                with self.subTest(params=params, method=method.__name__):
                    r = method(self.authorize_url(state="xyz", **params), {"authorize": "1"})
                    self.assertEqual(r.status_code, 400)
                    self.assertNotIn("Location", r)
        self.assertFalse(Grant.objects.exists())


# ---- RFC 6749 §10.12: the authorization endpoint is protected against CSRF --------------


class ConsentCSRFTestCase(BaseTestCase):
    def test_it_refuses_a_consent_post_without_the_csrf_token(self):
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(self.bob)
        for button in ("authorize", "cancel"):
            with self.subTest(button):
                r = browser.post(self.authorize_url(state="xyz"), {button: "1"})
                self.assertEqual(r.status_code, 403)
                self.assertNotIn("Location", r)
        self.assertFalse(Grant.objects.exists())
        # The consent page's own form, with its token, works.
        page = browser.get(self.authorize_url(state="xyz"))
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        r = browser.post(
            self.authorize_url(state="xyz"), {"authorize": "1", "csrfmiddlewaretoken": token}
        )
        self.assertEqual(r.status_code, 302)
        self.assertEqual(Grant.objects.count(), 1)


# ---- RFC 9700 §2.6: no CORS at the authorization endpoint --------------------------------


class CORSTestCase(BaseTestCase):
    def test_it_sends_no_cors_headers_from_the_authorization_endpoint(self):
        self.client.force_login(self.bob)
        origin = {"HTTP_ORIGIN": "https://evil.example"}
        responses = [
            self.client.get(self.authorize_url(), **origin),
            self.client.options(
                self.authorize_url(), HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST", **origin
            ),
            self.client.post(self.authorize_url(), {"authorize": "1"}, **origin),
        ]
        for r in responses:
            with self.subTest(status=r.status_code):
                self.assertFalse([h for h in r.headers if h.lower().startswith("access-control-")])


# ---- RFC 9700 §2.1.2; RFC 6749 §10.16: no response type issues tokens here ---------------


class DeprecatedGrantsTestCase(BaseTestCase):
    def test_it_refuses_response_types_that_issue_tokens_from_the_authorization_endpoint(self):
        self.client.force_login(self.bob)
        for response_type in ("token", "code token", "id_token token", "code id_token"):
            with self.subTest(response_type):
                r = self.client.post(
                    self.authorize_url(response_type=response_type), {"authorize": "1"}
                )
                self.assertContains(r, "only code is supported", status_code=400)
                self.assertNotIn("Location", r)
        self.assertFalse(AccessToken.objects.exists())
        metadata = self.client.get("/.well-known/oauth-authorization-server").json()
        self.assertNotIn("password", metadata["grant_types_supported"])
        self.assertNotIn("implicit", metadata["grant_types_supported"])
