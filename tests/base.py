"""BaseTestCase: named people, their applications, and helpers for OAuth flows."""

import base64
import hashlib
from urllib.parse import parse_qs, urlencode, urlsplit

from django.core.cache import cache
from django.test import TestCase

from accounts.models import User
from oauthapps import services
from oauthapps.models import Application

REDIRECT_URI = "https://example.com/callback/"


def pkce_pair(verifier: str = "v" * 50) -> tuple[str, str]:
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query, keep_blank_values=True)


class BaseTestCase(TestCase):
    """alice owns "Alice's App" (confidential); bob is another person; charlie is staff."""

    def setUp(self) -> None:
        super().setUp()
        cache.clear()  # rate-limit counters live in the cache
        self.alice = User.objects.create_user("alice", "alice@example.org", "password")
        self.alice.display_name = "Alice A."
        self.alice.save()
        self.bob = User.objects.create_user("bob", "bob@example.org", "password")
        self.charlie = User.objects.create_user(
            "charlie", "charlie@example.org", "password", is_staff=True, is_superuser=True
        )
        self.app, self.secret = self.make_app(owner=self.alice, name="Alice's App")

    def make_app(self, *, owner, name: str, **fields) -> tuple[Application, str]:
        fields.setdefault("redirect_uris", REDIRECT_URI)
        fields.setdefault("client_type", Application.CLIENT_CONFIDENTIAL)
        fields.setdefault("allowed_scopes", "public email")
        return services.create_application(owner=owner, name=name, **fields)

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
