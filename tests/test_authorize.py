"""The authorization endpoint: login, validation pages, consent, authorize and cancel."""

import re
from urllib.parse import quote

from oauthapps.models import AccessToken, Grant
from oauthapps.protocol.digests import digest
from tests.base import REDIRECT_URI, BaseTestCase, pkce_pair, query_of, rfc_dialect


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
        self.public, _ = self.make_app(owner=self.alice, name="Phone App", client_type="public")
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
