"""A real browser through the pages a person uses: Debian's Chromium, driven by Playwright.

One walk through the site, as a newcomer would take it: the home page, sign up (with a
mistake first), create a server-side application (with a mistake first) and a console
application that uses the out-of-band URI, the consent page (Cancel, then Authorize), the
out-of-band code page, the authorized-apps page and revoking there. Along the way the test
checks what only a browser shows: the CSP blocks nothing (no inline script or style, no
third-party resource) and lets the consent form redirect to the client (browsers check
`form-action` on that redirect), errors sit next to their fields and are tied to them
with aria-describedby, messages are announced (role=status), keyboard focus is visible,
and the pages fit a phone (375 px wide: nothing scrolls sideways).

Every page is saved as a screenshot, `test-artifacts/screenshots/NN-name.png`.

The browser is Debian's `chromium` package (`.ci/run` installs it), never one downloaded
by `playwright install`; without /usr/bin/chromium (or $CHROMIUM) the test is skipped.

Nothing leaves the machine. Every request the pages make goes through the test's route
handler: the live server (127.0.0.1) is let through, https://example.com (the client) is
answered by the test, anything else is refused and fails the test. Playwright does not
route the hop of a redirect, and the consent page's answer is one (to example.com), so
the browser also resolves no host name at all (`--host-resolver-rules`): that hop fails
inside the browser, after the browser has shown, by requesting it, where it was sent.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path
from unittest import mock, skipIf
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.conf import settings
from django.contrib.staticfiles.testing import StaticLiveServerTestCase
from django.core.cache import cache
from django.db import connection
from django.test import override_settings

from oauthapps.models import Application

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # pragma: no cover - requirements-dev.txt installs it
    sync_playwright = None

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    # No DNS: a request that routing does not see (a redirect's hop) cannot leave either.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"
TIMEOUT_MS = 15_000  # any one wait: a page, a click, a navigation

REDIRECT_URI = "https://example.com/callback/"
OOB = "urn:ietf:wg:oauth:2.0:oob"
CALLBACK_PAGE = (
    "<!DOCTYPE html><html lang='en'><title>Example client</title>"
    "<h1>The example client's callback</h1></html>"
)
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}

INIT_SCRIPT = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"}`);
});
"""


def pkce_pair() -> tuple[str, str]:
    verifier = "b" * 64
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _unavailable() -> str | None:
    """Why the browser cannot run here, if it cannot."""
    if sync_playwright is None:
        return "playwright is not installed (pip install -r requirements-dev.txt)"
    if not CHROMIUM.exists():
        return (
            f"no Chromium at {CHROMIUM}: apt-get install chromium (.ci/run does), or set CHROMIUM"
        )
    return None


UNAVAILABLE = _unavailable()
# CI (.ci/run) installs Chromium first: there a missing browser fails the test, never skips it.
REQUIRED = os.environ.get("CI", "").lower() in ("1", "true")


@pytest.mark.browser
@skipIf(UNAVAILABLE and not REQUIRED, UNAVAILABLE or "")
# The live server speaks plain http on loopback: cookies cannot be Secure here.
@override_settings(SESSION_COOKIE_SECURE=False, CSRF_COOKIE_SECURE=False)
class BrowserTestCase(StaticLiveServerTestCase):
    host = "127.0.0.1"

    def setUp(self) -> None:
        if UNAVAILABLE:  # only in CI, which must run it
            raise AssertionError(UNAVAILABLE)
        super().setUp()
        cache.clear()  # rate-limit counters (sign-up is limited per IP)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for old in SCREENSHOTS.glob("*.png"):
            old.unlink()
        self.shots = 0
        self.console: list[str] = []  # errors and warnings the pages logged
        self.blocked: list[str] = []  # requests for anything but the live server
        self.to_client: list = []  # requests for the client (example.com)

        # Playwright's sync API keeps an asyncio event loop running in this thread (in
        # another greenlet) while the browser is open, so Django's async-safety check
        # refuses any ORM call made here meanwhile (SynchronousOnlyOperation), such as the
        # one that verifies the application. Nothing here is async, and the live server's
        # threads are not affected: lift the check, for this test only (the cleanups run
        # last-registered first, so it comes back after the browser is gone).
        patcher = mock.patch.dict(os.environ, {"DJANGO_ALLOW_ASYNC_UNSAFE": "true"})
        patcher.start()
        self.addCleanup(patcher.stop)
        self.playwright = sync_playwright().start()
        self.addCleanup(self.playwright.stop)
        self.browser = self.playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=30_000
        )
        self.addCleanup(self.browser.close)

    # ---- the browser ----

    def new_context(self, **options):
        context = self.browser.new_context(service_workers="block", **options)
        self.addCleanup(context.close)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        context.add_init_script(INIT_SCRIPT)
        context.route("**/*", self.route)
        context.on("request", self.on_request)
        context.on("console", self.on_console)
        context.on("weberror", lambda error: self.console.append(f"page error: {error.error}"))
        return context

    def route(self, route) -> None:
        url = urlsplit(route.request.url)
        if f"{url.scheme}://{url.netloc}" == self.live_server_url:
            route.continue_()
        elif (url.scheme, url.netloc) == ("https", "example.com"):
            route.fulfill(status=200, content_type="text/html", body=CALLBACK_PAGE)
        else:
            route.abort()  # on_request has noted it

    def on_request(self, request) -> None:
        """Every request, routed or not (a redirect's hop is not): only the two hosts."""
        url = urlsplit(request.url)
        if (url.scheme, url.netloc) == ("https", "example.com"):
            self.to_client.append(request)
        elif f"{url.scheme}://{url.netloc}" != self.live_server_url:
            self.blocked.append(request.url)

    def sent_to_client(self, page, button: str) -> str:
        """Press a consent page button; the URL the browser was sent to (example.com)."""
        self.to_client.clear()
        form_url = page.url
        with page.expect_request(lambda r: r.url.startswith("https://example.com/")) as sent:
            page.get_by_role("button", name=button).click()
        request = sent.value
        # The redirect the consent form's POST answered with, followed by the browser:
        # its CSP (form-action) allowed it.
        self.assertIsNotNone(request.redirected_from, request.url)
        self.assertEqual(request.redirected_from.url, form_url)
        self.assertEqual(request.redirected_from.method, "POST")
        self.assertEqual(request.method, "GET")
        # The hop itself fails in the browser (no DNS); wait for its error page so that
        # the next navigation is not interrupted by it.
        self.assertIsNone(request.response())
        page.wait_for_url("chrome-error://chromewebdata/")
        self.assertEqual([r.url for r in self.to_client], [request.url])  # that one only
        return request.url

    def on_console(self, message) -> None:
        if message.type in ("error", "warning"):
            self.console.append(f"{message.page.url if message.page else '?'}: {message.text}")

    def shot(self, page, name: str) -> None:
        """Save a screenshot of the whole page; check nothing went wrong on it so far."""
        self.shots += 1
        page.wait_for_load_state("load")  # background images (the logo) included
        page.screenshot(path=SCREENSHOTS / f"{self.shots:02d}-{name}.png", full_page=True)
        self.assertEqual(self.console, [], f"the browser complained on {name}")
        self.assertEqual(self.blocked, [], f"{name} requested something off this machine")

    def assert_fits_phone(self, page, name: str) -> None:
        page.wait_for_load_state("load")  # measured with the stylesheet applied
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:  # name the culprits
            wide = page.evaluate(
                """() => [...document.querySelectorAll("body *")]
                  .filter(e => e.getBoundingClientRect().right > 375.5)
                  .map(e => e.tagName + (e.id ? "#" + e.id : "") + "." + e.className
                    + " " + Math.round(e.getBoundingClientRect().right))"""
            )
            name = f"{name} ({', '.join(wide[:12])})"
        self.assertLessEqual(width, PHONE["width"], f"{name} scrolls sideways on a phone")

    def assert_focus_visible(self, page, locator) -> None:
        """Keyboard focus on `locator` draws an outline."""
        locator.focus()
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")  # focus by keyboard: :focus-visible applies
        expect(locator).to_be_focused()
        outline = locator.evaluate(
            "el => { const s = getComputedStyle(el); return [s.outlineStyle, s.outlineWidth]; }"
        )
        self.assertNotEqual(outline[0], "none", "no focus outline")
        self.assertNotEqual(outline[1], "0px", "no focus outline")

    def assert_error_next_to(self, page, field_id: str, text: str) -> None:
        """The field is marked invalid and described by its own error message."""
        page.wait_for_load_state("load")  # measured with the stylesheet applied
        field = page.locator(f"#{field_id}")
        expect(field).to_have_attribute("aria-invalid", "true")
        described_by = (field.get_attribute("aria-describedby") or "").split()
        self.assertIn(f"{field_id}_error", described_by)
        error = page.locator(f"#{field_id}_error")
        expect(error).to_be_visible()
        expect(error).to_contain_text(text)
        # Next to it: the message starts within a line or two of the field's bottom.
        field_box, error_box = field.bounding_box(), error.bounding_box()
        self.assertLess(abs(error_box["y"] - (field_box["y"] + field_box["height"])), 40)

    def authorize_url(self, client_id: str, redirect_uri: str, **params) -> str:
        query = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri}
        return f"{self.live_server_url}/oauth/authorize/?{urlencode({**query, **params})}"

    def token(self, page, **data) -> dict:
        response = page.request.post(f"{self.live_server_url}/oauth/token/", form=data)
        self.assertEqual(response.status, 200, response.text())
        return response.json()

    # ---- the walk ----

    def test_a_person_signs_up_creates_apps_authorizes_and_revokes(self):
        desktop = self.new_context(viewport=DESKTOP)
        page = desktop.new_page()
        live = self.live_server_url

        # Home, then sign up: first with passwords that differ.
        page.goto(live + "/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Gatehouse")
        self.shot(page, "home")
        page.get_by_role("main").get_by_role("link", name="Sign up").click()
        expect(page).to_have_url(live + "/accounts/signup/")
        self.shot(page, "signup")
        page.get_by_label("Username").fill("erin")
        page.get_by_label("Display name").fill("Erin Example")
        page.get_by_label("Email address").fill("erin@example.org")
        page.get_by_label("Password", exact=True).fill("a long passphrase 42")
        page.get_by_label("Password confirmation").fill("a different one 43")
        page.get_by_role("button", name="Create account").click()
        self.assert_error_next_to(page, "id_password2", "didn’t match")
        self.assert_focus_visible(page, page.get_by_role("button", name="Create account"))
        self.shot(page, "signup-errors")
        page.get_by_label("Password", exact=True).fill("a long passphrase 42")
        page.get_by_label("Password confirmation").fill("a long passphrase 42")
        page.get_by_role("button", name="Create account").click()
        expect(page).to_have_url(live + "/user/apps/")
        expect(page.get_by_role("status")).to_contain_text("your account is ready")
        expect(page.locator("#no-apps")).to_be_visible()
        self.shot(page, "apps-welcome")

        # A server-side application: first with a redirect URI that is not https.
        page.get_by_role("main").get_by_role("link", name="Create application").click()
        expect(page).to_have_url(live + "/user/apps/new/")
        self.shot(page, "app-create")
        page.get_by_label("Title").fill("Browser Test App")
        page.get_by_label("Description").fill("Shows your profile next to your photos.")
        page.get_by_label("Redirect URIs").fill("http://example.com/callback/")
        page.get_by_label("Client type").select_option("confidential")
        page.get_by_label("Read your public profile").check()
        page.get_by_label("Read your email address").check()
        page.get_by_role("button", name="Create application").click()
        self.assert_error_next_to(page, "id_redirect_uris", "use https")
        self.shot(page, "app-create-errors")
        page.get_by_label("Redirect URIs").fill(REDIRECT_URI)
        page.get_by_role("button", name="Create application").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Credentials for Browser Test App"
        )
        expect(page.get_by_role("status")).to_contain_text("Created application Browser Test App")
        client_id = page.locator("#client-id").inner_text().strip()
        secret = page.locator("#client-secret").inner_text().strip()
        self.assertTrue(client_id and secret)
        self.shot(page, "app-secret")

        # A console application (public, out-of-band), created on a phone.
        phone = self.new_context(
            storage_state=desktop.storage_state(), viewport=PHONE, is_mobile=True, has_touch=True
        )
        mobile = phone.new_page()
        mobile.goto(live + "/user/apps/new/")
        self.assert_fits_phone(mobile, "the create form")
        mobile.get_by_label("Title").fill("Console Test App")
        mobile.get_by_label("Redirect URIs").fill(OOB)
        mobile.get_by_label("Client type").select_option("public")
        mobile.get_by_label("Read your public profile").check()
        mobile.get_by_role("button", name="Create application").click()
        expect(mobile.locator("#public-client-note")).to_contain_text("so it has none")
        self.assert_fits_phone(mobile, "the credentials page")
        oob_client_id = mobile.locator("#client-id").inner_text().strip()
        self.shot(mobile, "app-secret-public-phone")
        mobile.get_by_role("link", name="Back to my applications").click()
        expect(mobile.locator("tbody tr")).to_have_count(2)
        self.assert_fits_phone(mobile, "the application list")
        self.shot(mobile, "apps-phone")

        page.goto(live + "/user/apps/")
        expect(page.locator("tbody tr")).to_have_count(2)
        self.shot(page, "apps")

        # The consent page: every part of it, on a desktop and on a phone. The site's staff
        # verified the application (in the admin), so it carries the badge. With Playwright's
        # event loop running, Django keeps this ORM call's connection apart from the test's
        # own (asgiref treats the thread as async): close it, or PostgreSQL cannot drop the
        # test database at the end.
        Application.objects.filter(client_id=client_id).update(verified=True)
        connection.close()
        consent = self.authorize_url(client_id, REDIRECT_URI, scope="public email", state="xyz")
        page.goto(consent)
        self.assert_consent_page(page)
        self.assert_focus_visible(page, page.get_by_role("button", name="Authorize"))
        self.shot(page, "consent")
        mobile.goto(consent)
        self.assert_consent_page(mobile)
        self.assert_fits_phone(mobile, "the consent page")
        authorize_box = mobile.get_by_role("button", name="Authorize").bounding_box()
        self.assertGreaterEqual(authorize_box["height"], 44, "a finger-sized Authorize button")
        self.shot(mobile, "consent-phone")

        # Cancel: back to the registered redirect URI, unmodified (ContentDB).
        self.assertEqual(self.sent_to_client(page, "Cancel"), REDIRECT_URI)

        # Authorize: back with a code, the state and the issuer; the code works.
        page.goto(consent)
        callback = self.sent_to_client(page, "Authorize")
        self.assertTrue(callback.startswith(REDIRECT_URI + "?"), callback)
        query = parse_qs(urlsplit(callback).query)
        self.assertEqual(query["state"], ["xyz"])
        self.assertEqual(query["iss"], [live])
        tokens = self.token(
            page,
            grant_type="authorization_code",
            client_id=client_id,
            client_secret=secret,
            code=query["code"][0],
        )
        self.assertEqual(tokens["scope"], "public email")

        # Log out; the console application sends its person to the consent page, which
        # asks them to log in first (a wrong password, then the right one).
        page.goto(live + "/")
        self.shot(page, "home-signed-in")
        page.get_by_role("button", name="Log out").click()
        expect(page).to_have_url(live + "/accounts/login/")
        verifier, challenge = pkce_pair()
        page.goto(
            self.authorize_url(
                oob_client_id, OOB, code_challenge=challenge, code_challenge_method="S256"
            )
        )
        expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
        page.get_by_label("Username").fill("erin")
        page.get_by_label("Password").fill("not my password")
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("alert")).to_contain_text("enter a correct username and password")
        self.shot(page, "login-errors")
        page.get_by_label("Password").fill("a long passphrase 42")
        page.get_by_role("button", name="Log in").click()

        # The console application: consent, then the out-of-band code page.
        expect(page.locator("#app-title")).to_have_text("Console Test App")
        expect(page.get_by_text("shown a code to copy")).to_be_visible()
        self.shot(page, "consent-oob")
        page.get_by_role("button", name="Authorize").click()
        code = page.locator("#oob-code").inner_text().strip()
        self.assertTrue(code)
        self.shot(page, "oob-code")
        self.token(
            page,
            grant_type="authorization_code",
            client_id=oob_client_id,
            code=code,
            code_verifier=verifier,
        )

        # The authorized applications: both listed; revoke the first one.
        page.goto(live + "/user/authorized-apps/")
        rows = page.locator("tbody tr")
        expect(rows).to_have_count(2)
        row = page.locator(f'tr[data-app="{client_id}"]')
        expect(row).to_contain_text("Browser Test App")
        expect(row).to_contain_text("Read your email address")
        self.shot(page, "authorized-apps")
        phone = self.new_context(  # signed in again: the same person's new session
            storage_state=desktop.storage_state(), viewport=PHONE, is_mobile=True, has_touch=True
        )
        mobile = phone.new_page()
        mobile.goto(live + "/user/authorized-apps/")
        self.assert_fits_phone(mobile, "the authorized-apps page")
        self.shot(mobile, "authorized-apps-phone")
        page.get_by_role("button", name="Revoke access for Browser Test App").click()
        expect(page.get_by_role("status")).to_contain_text(
            "Browser Test App can no longer access your account."
        )
        expect(rows).to_have_count(1)
        expect(page.locator(f'tr[data-app="{client_id}"]')).to_have_count(0)
        expect(page.locator(f'tr[data-app="{oob_client_id}"]')).to_have_count(1)
        self.shot(page, "authorized-apps-revoked")
        whoami = page.request.get(
            f"{live}/api/whoami/",
            headers={"Authorization": f"Bearer {tokens['access_token']}"},
        )
        self.assertEqual(whoami.status, 403)

    def assert_consent_page(self, page) -> None:
        expect(page.get_by_role("heading", level=1)).to_contain_text("Browser Test App")
        expect(page.locator("#app-owner")).to_have_text("Erin Example")
        expect(page.locator(".badge.verified")).to_have_text("✔ Verified")
        expect(page.locator("#app-description")).to_have_text(
            "Shows your profile next to your photos."
        )
        scopes = page.locator("[data-scope]")
        expect(scopes).to_have_count(2)
        expect(scopes.nth(0)).to_contain_text("Read your public profile")
        expect(scopes.nth(1)).to_contain_text("Read your email address")
        expect(page.locator("#redirect-target")).to_have_text(REDIRECT_URI)
        for name in ("Authorize", "Cancel"):
            expect(page.get_by_role("button", name=name)).to_be_visible()
        self.assertEqual(self.console, [], "the browser reported a problem (CSP?)")
