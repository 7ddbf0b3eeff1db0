"""The Content-Security-Policy (oauthapps/csp.py and the policy in config/settings/) and the
other security headers on every page: X-Frame-Options, Referrer-Policy, nosniff, COOP.

Also: no page loads or links anything from another origin, no page has inline script or
style (the CSP would block it), and the consent page's `form-action` lets the browser
follow the redirect to the client (browsers check form-action on the redirects after a
form submission; see oauthapps/csp.py).
"""

from pathlib import Path
from unittest import mock
from urllib.parse import urlencode, urljoin, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import OperationalError

from oauthapps.models import Application
from tests.base import REDIRECT_URI, BaseTestCase, rfc_dialect
from tests.pages import OWN_ORIGIN, PageParser, csp_allows, css_urls, is_same_origin, parse_csp

OOB = "urn:ietf:wg:oauth:2.0:oob"


class HeadersTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.oob_app, _ = self.make_app(owner=self.alice, name="Console App", redirect_uris=OOB)

    def pages(self) -> list[tuple[str, object]]:
        """Every HTML page of the site, with the response it got."""
        pk = self.app.pk
        got = []

        def get(name, url, status=200, **kwargs):
            response = self.client.get(url, **kwargs)
            self.assertEqual(response.status_code, status, f"{name}: {url}")
            got.append((name, response))

        def post(name, url, data, status=200):
            response = self.client.post(url, data)
            self.assertEqual(response.status_code, status, f"{name}: {url}")
            got.append((name, response))

        get("home (signed out)", "/")
        get("login", "/accounts/login/")
        get(
            "login on the way to authorize",
            "/accounts/login/?" + urlencode({"next": self.authorize_url()}),
        )
        post("login, wrong password", "/accounts/login/", {"username": "alice", "password": "x"})
        get("signup", "/accounts/signup/")
        get("admin login", "/admin/login/")

        self.client.force_login(self.alice)
        get("home (signed in)", "/")
        get("password change", "/accounts/password/")
        get("password change done", "/accounts/password/done/")
        get("app list", "/user/apps/")
        get("app create", "/user/apps/new/")
        post(
            "app secret (after create)",
            "/user/apps/new/",
            {
                "name": "Headers App",
                "redirect_uris": "https://headers.example.com/cb",
                "client_type": "confidential",
                "allowed_scopes": ["public"],
            },
        )
        get("app edit", f"/user/apps/{pk}/edit/")
        get("app regenerate confirm", f"/user/apps/{pk}/regenerate/")
        get("app revoke-all confirm", f"/user/apps/{pk}/revoke-all/")
        get("app delete confirm", f"/user/apps/{pk}/delete/")
        get("consent page", self.authorize_url(scope="public email"))
        get("consent page, out of band", self.authorize_url(self.oob_app, redirect_uri=OOB))
        post(
            "out-of-band code page",
            self.authorize_url(self.oob_app, redirect_uri=OOB),
            {"authorize": "1"},
        )
        post(
            "out-of-band cancelled page",
            self.authorize_url(self.oob_app, redirect_uri=OOB),
            {"cancel": "1"},
        )
        get("authorize error page", self.authorize_url(redirect_uri=None), status=400)
        get("authorize unknown client", self.authorize_url(client_id="nope"), status=404)
        self.get_token()  # so that the next page lists a grant, with its revoke form
        self.client.force_login(self.alice)
        get("authorized apps", "/user/authorized-apps/")

        self.client.force_login(self.charlie)
        get("admin index", "/admin/")
        get("admin changelist", "/admin/oauthapps/application/")
        get("admin change form", f"/admin/oauthapps/application/{pk}/change/")
        return got

    # ---- headers ----

    def test_it_sends_the_security_headers_on_every_page(self):
        for name, response in self.pages():
            with self.subTest(page=name):
                self.assertTrue(response["Content-Type"].startswith("text/html"))
                policy = parse_csp(response["Content-Security-Policy"])
                self.assertEqual(policy["frame-ancestors"], ["'none'"])
                self.assertEqual(policy["default-src"], ["'self'"])
                self.assertEqual(policy["script-src"], ["'self'"])
                self.assertEqual(policy["style-src"], ["'self'"])
                self.assertEqual(policy["img-src"], ["'self'", "data:"])
                self.assertEqual(policy["base-uri"], ["'none'"])
                self.assertEqual(policy["object-src"], ["'none'"])
                self.assertEqual(policy["form-action"][0], "'self'")
                self.assertEqual(response["X-Frame-Options"], "DENY")
                self.assertEqual(response["Referrer-Policy"], "same-origin")
                self.assertEqual(response["X-Content-Type-Options"], "nosniff")
                self.assertEqual(response["Cross-Origin-Opener-Policy"], "same-origin")

    def test_it_keeps_form_action_self_on_pages_that_lead_nowhere_else(self):
        widened = {"consent page", "login on the way to authorize"}
        for name, response in self.pages():
            if name in widened:
                continue
            with self.subTest(page=name):
                policy = parse_csp(response["Content-Security-Policy"])
                self.assertEqual(policy["form-action"], ["'self'"])

    def test_it_keeps_the_consent_page_referrer_policy_same_origin(self):
        # Not no-referrer: under it browsers send `Origin: null` with the consent form's
        # POST, which Django's CSRF check refuses. same-origin already sends nothing (no
        # state, no code challenge) to any other origin, the client included.
        self.client.force_login(self.alice)
        response = self.client.get(self.authorize_url(state="s3cret"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Referrer-Policy"], "same-origin")
        self.assertIn("no-store", response["Cache-Control"])

    # ---- nothing from another origin, nothing inline ----

    def test_it_references_no_third_party_origin_and_nothing_inline(self):
        stylesheets = set()
        for name, response in self.pages():
            parser = PageParser()
            parser.feed(response.content.decode())
            with self.subTest(page=name):
                self.assertEqual(parser.inline, [])
                for where, url in parser.urls:
                    self.assertTrue(is_same_origin(url), f"{where}={url}")
                    self.assertFalse(url.lower().startswith("javascript:"), f"{where}={url}")
                self.assertTrue(parser.stylesheets)
                stylesheets.update(parser.stylesheets)
        for href in sorted(stylesheets):
            with self.subTest(stylesheet=href):
                self.assert_css_is_self_contained(href)

    def test_it_keeps_the_site_css_self_contained(self):
        for directory in settings.STATICFILES_DIRS:
            for css in Path(directory).rglob("*.css"):
                with self.subTest(css=css.name):
                    for url in css_urls(css.read_text()):
                        self.assertTrue(is_same_origin(url, allow_data=True), url)

    def assert_css_is_self_contained(self, href: str, seen: set | None = None) -> None:
        """The stylesheet and whatever it imports use only same-origin or data: URLs."""
        seen = seen if seen is not None else set()
        if href in seen:
            return
        seen.add(href)
        self.assertTrue(is_same_origin(href), href)
        path = urlsplit(href).path
        self.assertTrue(path.startswith("/" + settings.STATIC_URL.lstrip("/")), href)
        found = finders.find(path.removeprefix("/" + settings.STATIC_URL.lstrip("/")))
        self.assertIsNotNone(found, href)
        text = Path(found).read_text(encoding="utf-8")
        for url in css_urls(text):
            self.assertTrue(is_same_origin(url, allow_data=True), f"{href}: {url}")
            if urlsplit(url).path.endswith(".css"):
                self.assert_css_is_self_contained(urljoin(href, url), seen)

    # ---- form-action and the OAuth redirect ----

    def consent_policy(self, app=None, **params) -> dict[str, list[str]]:
        self.client.force_login(self.alice)
        response = self.client.get(self.authorize_url(app, **params))
        self.assertEqual(response.status_code, 200, response.content)
        self.assertTemplateUsed(response, "oauthapps/authorize.html")
        return parse_csp(response["Content-Security-Policy"])

    def test_it_lets_the_consent_form_redirect_to_the_registered_redirect_uri(self):
        policy = self.consent_policy(state="xyz")
        self.assertEqual(policy["form-action"], ["'self'", "https://example.com"])
        self.assertEqual(policy["frame-ancestors"], ["'none'"])
        # The form posts back to the page itself...
        self.assertTrue(csp_allows(policy["form-action"], OWN_ORIGIN + self.authorize_url()))
        # ... and the answer is a redirect the same policy allows.
        response = self.client.post(self.authorize_url(state="xyz"), {"authorize": "1"})
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(REDIRECT_URI))
        self.assertTrue(csp_allows(policy["form-action"], response["Location"]))
        # Nowhere else.
        self.assertFalse(csp_allows(policy["form-action"], "https://evil.example/cb"))
        self.assertFalse(csp_allows(policy["form-action"], "https://example.com.evil.example/"))
        self.assertFalse(csp_allows(policy["form-action"], "com.example.app:/cb"))

    def test_it_lets_the_cancel_button_redirect_too(self):
        for dialect in ("contentdb", "rfc6749"):
            with self.subTest(dialect=dialect):
                policy = self.consent_policy(state="xyz")
                if dialect == "rfc6749":
                    with rfc_dialect():
                        response = self.client.post(
                            self.authorize_url(state="xyz"), {"cancel": "1"}
                        )
                else:
                    response = self.client.post(self.authorize_url(state="xyz"), {"cancel": "1"})
                self.assertEqual(response.status_code, 302)
                self.assertTrue(csp_allows(policy["form-action"], response["Location"]))

    def test_it_allows_a_native_apps_private_use_scheme(self):
        app, _ = self.make_app(
            owner=self.alice, name="Native App", redirect_uris="com.example.app:/cb"
        )
        policy = self.consent_policy(app, redirect_uri="com.example.app:/cb")
        self.assertEqual(policy["form-action"], ["'self'", "com.example.app:"])
        response = self.client.post(
            self.authorize_url(app, redirect_uri="com.example.app:/cb"), {"authorize": "1"}
        )
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith("com.example.app:/cb?"))
        self.assertTrue(csp_allows(policy["form-action"], response["Location"]))
        self.assertFalse(csp_allows(policy["form-action"], "https://evil.example/"))

    def test_it_allows_the_loopback_port_the_native_app_asked_for(self):
        app, _ = self.make_app(
            owner=self.alice, name="Loopback App", redirect_uris="http://127.0.0.1/cb"
        )
        uri = "http://127.0.0.1:53123/cb"
        policy = self.consent_policy(app, redirect_uri=uri)
        self.assertEqual(policy["form-action"], ["'self'", "http://127.0.0.1:53123"])
        response = self.client.post(self.authorize_url(app, redirect_uri=uri), {"authorize": "1"})
        self.assertEqual(response.status_code, 302)
        self.assertTrue(csp_allows(policy["form-action"], response["Location"]))
        self.assertFalse(csp_allows(policy["form-action"], "http://127.0.0.1:8000/cb"))

    def test_it_drops_form_action_when_csp_cannot_name_the_redirect_uri(self):
        # CSP host-sources have no IPv6 literal: rather no form-action than a blocked sign-in.
        app, _ = self.make_app(owner=self.alice, name="IPv6 App", redirect_uris="http://[::1]/cb")
        policy = self.consent_policy(app, redirect_uri="http://[::1]:53123/cb")
        self.assertNotIn("form-action", policy)
        self.assertEqual(policy["frame-ancestors"], ["'none'"])
        self.assertEqual(policy["default-src"], ["'self'"])

    def test_it_keeps_form_action_self_for_the_out_of_band_uri(self):
        policy = self.consent_policy(self.oob_app, redirect_uri=OOB)
        self.assertEqual(policy["form-action"], ["'self'"])

    def test_it_does_not_widen_form_action_for_an_unregistered_redirect_uri(self):
        self.client.force_login(self.alice)
        response = self.client.get(self.authorize_url(redirect_uri="https://evil.example/cb"))
        self.assertEqual(response.status_code, 400)
        self.assertEqual(parse_csp(response["Content-Security-Policy"])["form-action"], ["'self'"])

    def login_page_policy(self, next_url: str) -> dict[str, list[str]]:
        response = self.client.get("/accounts/login/?" + urlencode({"next": next_url}))
        self.assertEqual(response.status_code, 200)
        return parse_csp(response["Content-Security-Policy"])

    def test_it_lets_the_login_form_lead_on_to_the_client(self):
        # alice granted access before (and holds a live token): after signing in she goes
        # straight on to the client, a redirect chain that starts with the login form.
        self.get_token()
        authorize = self.authorize_url(state="xyz")
        policy = self.login_page_policy(authorize)
        self.assertEqual(policy["form-action"], ["'self'", "https://example.com"])

        chain = []
        response = self.client.post(
            "/accounts/login/", {"username": "alice", "password": "password", "next": authorize}
        )
        while response.status_code == 302:
            chain.append(response["Location"])
            if not urlsplit(response["Location"]).path.startswith("/"):
                break
            if urlsplit(response["Location"]).netloc not in ("", "testserver"):
                break
            response = self.client.get(response["Location"])
        self.assertEqual(len(chain), 2, chain)
        self.assertTrue(chain[-1].startswith(REDIRECT_URI), chain)
        for location in chain:
            self.assertTrue(csp_allows(policy["form-action"], urljoin(OWN_ORIGIN, location)))

    def test_it_keeps_the_widened_form_action_when_the_login_page_is_shown_again(self):
        response = self.client.post(
            "/accounts/login/",
            {"username": "alice", "password": "wrong", "next": self.authorize_url()},
        )
        self.assertEqual(response.status_code, 200)
        policy = parse_csp(response["Content-Security-Policy"])
        self.assertEqual(policy["form-action"], ["'self'", "https://example.com"])

    def test_it_does_not_widen_the_login_page_for_other_next_urls(self):
        for next_url in [
            "/user/apps/",
            self.authorize_url(redirect_uri="https://evil.example/cb"),
            self.authorize_url(client_id="unknown"),
            "https://evil.example" + self.authorize_url(),
        ]:
            with self.subTest(next=next_url):
                self.assertEqual(self.login_page_policy(next_url)["form-action"], ["'self'"])

    def test_it_keeps_form_action_self_when_the_database_cannot_say(self):
        with mock.patch.object(Application, "objects") as objects:
            objects.filter.side_effect = OperationalError("database is down")
            policy = self.login_page_policy(self.authorize_url())
        self.assertEqual(policy["form-action"], ["'self'"])
        self.assertEqual(policy["frame-ancestors"], ["'none'"])
