"""What the tests share: the fixture world in a test case, the OAuth flow step by step, and
helpers. No test module imports another; they import from here, tests/world.py (the named
people and applications) and tests/pages.py (reading pages and their CSP).

- `WorldMixin`: the world (tests/world.py) created in setUp, as attributes (`alice`, `bob`,
  `charlie`, `app`, `secret`); with a live server, `consent` is a person signing in and
  pressing Authorize in a browser (the real forms, CSRF tokens and all).
- `BaseTestCase`: a TestCase in the world, with the flow (`authorize_url`, `get_code`,
  `exchange`, `refresh`, `get_token`, `issue`) and the endpoints (`whoami`, `introspect`,
  `revoke`, `client_credentials_token`).
- `RotatedPairTestCase`: a BaseTestCase holding a token pair issued in setUp.
- `pkce_pair`, `query_of`, `wsgi_call`, `oauthapps_settings`, `rfc_dialect`, `limits`,
  `signed_in_as`, `live_access_tokens`, `live_refresh_tokens`.
"""

import base64
import hashlib
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import requests
from django.core.cache import cache
from django.test import TestCase
from django.utils import timezone

from accounts.models import User
from oauthapps import services
from oauthapps.models import AccessToken, Application, RefreshToken
from tests.world import PASSWORD, REDIRECT_URI, application_fields, create_world


def pkce_pair(verifier: str = "v" * 50) -> tuple[str, str]:
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query, keep_blank_values=True)


def signed_in_as(client):
    return client.session.get("_auth_user_id")


CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class WorldMixin:
    """The fixture world (tests/world.py), created in setUp; with an empty cache (rate-limit
    counters live there). `world_apps`: the named applications beyond Alice's App;
    `world_changes`: changes to their fields for this test case."""

    world_apps: tuple[str, ...] = ()
    world_changes: dict[str, dict] = {}

    def setUp(self) -> None:
        super().setUp()
        cache.clear()
        self.world = create_world(*self.world_apps, **self.world_changes)
        self.alice, self.bob, self.charlie = self.world.alice, self.world.bob, self.world.charlie
        self.app, self.secret = self.world.app, self.world.secret

    def consent(self, authorize_url: str, *, page_shows: str, username: str = "alice") -> str:
        """With a live server, in the browser: the real login form, then Authorize on the
        consent page (which must show `page_shows`). Returns the callback URL."""
        browser = requests.Session()
        self.addCleanup(browser.close)
        login_url = f"{self.live_server_url}/accounts/login/"
        page = browser.get(login_url).text
        csrf = CSRF_TOKEN.search(page).group(1)
        browser.post(
            login_url,
            {"csrfmiddlewaretoken": csrf, "username": username, "password": PASSWORD},
            headers={"Referer": login_url},
        )
        page = browser.get(authorize_url).text
        self.assertIn(page_shows, page)
        csrf = CSRF_TOKEN.search(page).group(1)
        response = browser.post(
            authorize_url,
            {"csrfmiddlewaretoken": csrf, "authorize": "1"},
            headers={"Referer": authorize_url},
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 302)
        return response.headers["Location"]


class BaseTestCase(WorldMixin, TestCase):
    """The world (tests/world.py): alice owns "Alice's App" (confidential, `app` and
    `secret`); bob is another person; charlie is staff."""

    def add_app(self, name: str, **changes) -> tuple[Application, str]:
        """Another named application of the world (tests/world.py `APPS`): bob_app, ..."""
        return self.world.add(name, **changes)

    def make_app(self, *, owner, name: str, **fields) -> tuple[Application, str]:
        """An application of this test's own (confidential, REDIRECT_URI, public email
        unless `fields` say otherwise)."""
        return services.create_application(owner=owner, name=name, **application_fields(**fields))

    # ---- the flow, step by step ----

    def authorize_url(self, app: Application | None = None, **params) -> str:
        app = app or self.app
        query = {"response_type": "code", "client_id": app.client_id, "redirect_uri": REDIRECT_URI}
        query.update(params)
        query = {k: v for k, v in query.items() if v is not None}
        return "/oauth/authorize/?" + urlencode(query)

    def get_code(self, user: User | None = None, app: Application | None = None, **params) -> str:
        """Sign in as `user` (alice by default) and press Authorize; returns the code."""
        self.client.force_login(user or self.alice)
        response = self.client.post(self.authorize_url(app, **params), {"authorize": "1"})
        assert response.status_code == 302, response.content
        return query_of(response["Location"])["code"][0]

    def exchange(
        self, code: str, app: Application | None = None, secret: str | None = None, **extra
    ):
        app = app or self.app
        data = {
            "grant_type": "authorization_code",
            "client_id": app.client_id,
            "client_secret": secret or self.secret,
            "code": code,
        }
        data.update(extra)
        data = {k: v for k, v in data.items() if v is not None}
        return self.client.post("/oauth/token/", data)

    def refresh(self, refresh_token: str, app: Application | None = None, **extra):
        app = app or self.app
        data = {
            "grant_type": "refresh_token",
            "client_id": app.client_id,
            "client_secret": self.secret,
            "refresh_token": refresh_token,
        }
        data.update(extra)
        return self.client.post("/oauth/token/", data)

    def get_token(self, user: User | None = None) -> str:
        response = self.exchange(self.get_code(user))
        assert response.status_code == 200, response.content
        self.client.logout()
        return response.json()["access_token"]

    def issue(self, user=None, **params) -> dict:
        """A code exchanged for a token pair: the token response's body."""
        response = self.exchange(self.get_code(user, **params))
        self.assertEqual(response.status_code, 200, response.content)
        self.client.logout()
        return response.json()

    def client_credentials_token(self) -> str:
        self.app.allow_client_credentials = True
        self.app.save()
        response = self.client.post(
            "/oauth/token/",
            {
                "grant_type": "client_credentials",
                "client_id": self.app.client_id,
                "client_secret": self.secret,
            },
        )
        self.assertEqual(response.status_code, 200, response.content)
        return response.json()["access_token"]

    # ---- the endpoints ----

    def whoami(self, access_token: str):
        return self.client.get("/api/whoami/", HTTP_AUTHORIZATION=f"Bearer {access_token}")

    def introspect(self, token: str, app=None, secret=None, **extra):
        app = app or self.app
        data = {"client_id": app.client_id, "client_secret": secret or self.secret, "token": token}
        return self.client.post("/oauth/introspect", {**data, **extra})

    def revoke(self, token: str, app=None, secret=None, **extra):
        app = app or self.app
        data = {"client_id": app.client_id, "client_secret": secret or self.secret, "token": token}
        data.update(extra)
        return self.client.post("/oauth/revoke", {k: v for k, v in data.items() if v is not None})


class RotatedPairTestCase(BaseTestCase):
    """A token pair issued to alice in setUp (`first`), ready to be refreshed."""

    def setUp(self):
        super().setUp()
        self.first = self.exchange(self.get_code()).json()
        self.client.logout()

    def whoami(self, access_token: str) -> int:
        return self.client.get(
            "/api/whoami/", HTTP_AUTHORIZATION=f"Bearer {access_token}"
        ).status_code

    def age_revocations(self, seconds: int) -> None:
        RefreshToken.objects.filter(revoked__isnull=False).update(
            revoked=timezone.now() - timedelta(seconds=seconds)
        )


def wsgi_call(
    path: str,
    *,
    method: str = "POST",
    content_type: str = "",
    query: str = "",
    body: bytes | str = b"",
    authorization: str | None = None,
) -> tuple[str, dict[str, str], bytes]:
    """A request through config.wsgi.application, as gunicorn would send it:
    (status line, headers, body)."""
    import io

    from config.wsgi import application

    body = body.encode() if isinstance(body, str) else body
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)),
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
    }
    if authorization is not None:
        environ["HTTP_AUTHORIZATION"] = authorization
    started = {}

    def start_response(status, headers):
        started.update(status=status, headers=dict(headers))

    content = b"".join(application(environ, start_response))
    return started["status"], started["headers"], content


def oauthapps_settings(**overrides):
    """override_settings for a few OAUTHAPPS keys, keeping the rest."""
    from django.conf import settings
    from django.test import override_settings

    return override_settings(OAUTHAPPS={**settings.OAUTHAPPS, **overrides})


def rfc_dialect():
    return oauthapps_settings(DIALECT="rfc6749")


def limits(**rates):
    """override_settings for the rate limits (OAUTHAPPS["RATE_LIMITS"])."""
    return oauthapps_settings(RATE_LIMITS=rates)


def live_access_tokens():
    return AccessToken.objects.filter(expires__gt=timezone.now())


def live_refresh_tokens():
    return RefreshToken.objects.filter(revoked__isnull=True, access_token__isnull=False)
