"""Hostile input: property-based tests for every OAuth and API endpoint.

Hypothesis sends the token, revoke, introspect, authorize, whoami and delete-token
endpoints random and malformed requests: text with NUL bytes and unusual Unicode, raw
bytes, 100 kB values, repeated keys, wrong content types, broken multipart bodies, JSON
bodies, bad HTTP Basic and Bearer headers, unknown grant types, and valid client
credentials, codes and tokens mixed with random fields or slightly mutated. Whatever
arrives, no endpoint answers 5xx and each answers in its own shape:

- token: JSON, a success body or the dialect's error shape;
- revoke and introspect: JSON, their success body or the RFC error shape (every dialect);
- whoami and delete-token: JSON, their success body or the dialect's error shape;
- authorize: an HTML page, or a redirect to the login page or to a registered redirect URI.

Every property runs in both dialects (the `...RFC` subclasses). Each example runs in its
own transaction (hypothesis.extra.django.TestCase), rolled back afterwards, with a fresh
client and an empty cache (so rate limits never turn an answer into a 429 that hides a
bug). Bodies Django refuses to parse are still left out of the token property, see
TOKEN_VIEW_SHAPES_UNPARSEABLE_BODIES.

Runs are derandomized (60 examples a property), so CI sees the same examples every time.
A bigger, random exploration, with the answers reached:
`FUZZ_EXAMPLES=2000 FUZZ_RANDOM=1 .venv/bin/pytest tests/test_fuzz.py --hypothesis-show-statistics`
"""

from __future__ import annotations

import base64
import json
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit, urlunsplit

from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.exceptions import BadRequest, SuspiciousOperation
from django.db import transaction
from django.http import HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import resolve_url
from django.test import Client, RequestFactory
from hypothesis import (
    HealthCheck,
    currently_in_test_context,
    event,
    example,
    given,
    reject,
    settings,
)
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from oauthapps.errors import REASONS
from oauthapps.models import Application
from plumbing.charset import is_usable_charset
from tests.base import pkce_pair, query_of, rfc_dialect, wsgi_call
from tests.world import LOOPBACK_URI, NATIVE_URI, OOB_URI, QUERY_URI, REDIRECT_URI, create_world

fuzz = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "60")),
    deadline=None,
    derandomize=not os.environ.get("FUZZ_RANDOM"),
    database=None,  # nothing written to .hypothesis/ in the checkout
    print_blob=True,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
        HealthCheck.filter_too_much,
        # The same properties run from the ContentDB and the RFC test classes.
        HealthCheck.differing_executors,
    ],
)

RFC_ERROR_CODES = {code for code, *_ in REASONS.values()} - {"server_error"}

# ---- values -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Known:
    """A value only known at run time (a client_id, a live code, ...), maybe mutated."""

    name: str
    mutation: str = ""


@dataclass(frozen=True)
class BasicOf:
    """An HTTP Basic header built from two parts joined by `sep`, encoded with `charset`."""

    user: object
    password: object
    sep: str
    charset: str


def _middle(value: str, insert: str) -> str:
    return value[: len(value) // 2] + insert + value[len(value) // 2 :]


MUTATIONS = {
    "": lambda v: v,
    "append": lambda v: v + "A",
    "chop": lambda v: v[:-1],
    "swapcase": str.swapcase,
    "nul": lambda v: _middle(v, "\x00"),
    "tab": lambda v: _middle(v, "\t"),
    "newline": lambda v: _middle(v, "\r\n"),
    "padded": lambda v: f" {v}\t",
    "doubled": lambda v: v + v,
    "huge": lambda v: (v or "a") * (100_000 // max(len(v), 1) + 1),
    "unicode": lambda v: v + "\u00e9\U0001f600\u202e\ufeff",
    "percent": lambda v: quote(v, safe=""),
    "port": lambda v: re.sub(r"^([a-z]+://[^/?#]*)", r"\1:8080", v, count=1),
    "userinfo": lambda v: re.sub(r"^([a-z]+://)", r"\1evil.example\\@", v, count=1),
    "fragment": lambda v: v + "#@evil.example",
}

NASTY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "%00",
    "%",
    "%zz",
    "%FF%FE",
    "+",
    "&",
    "=",
    "&a=b&",
    "\r\n",
    "\u202e",
    "\ufeff",
    "\U0001f600",
    "\u00e4",
    "null",
    "[]",
    "{}",
    "' OR '1'='1",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "a" * 5000,
    "a" * 100_000,
    "\x00" * 1000,
    "\u00e9" * 50_000,
]

TEXT = st.one_of(
    st.text(alphabet=st.characters(codec="utf-8"), max_size=40),
    st.sampled_from(NASTY),
    st.text(alphabet="\x00%+&=;:,\"' \t\r\n\\", max_size=20),
)
# Header values reach Django as latin-1 text (WSGI): any of the 256 code points.
HEADER_TEXT = st.text(alphabet=st.characters(max_codepoint=255), max_size=60)

GRANT_TYPES = [
    "authorization_code",
    "refresh_token",
    "client_credentials",
    "password",
    "implicit",
    "token",
    "urn:ietf:params:oauth:grant-type:device_code",
    "urn:ietf:params:oauth:grant-type:jwt-bearer",
    "AUTHORIZATION_CODE",
    "authorization_code ",
]
SCOPES = ["public", "email", "public email", "public,email", "public+email", "admin", "openid"]

KNOWN_NAMES = [
    "client_id",
    "secret",
    "code",
    "redirect_uri",
    "public_client_id",
    "public_code",
    "verifier",
    "challenge",
    "loopback_uri",
    "access_token",
    "refresh_token",
    "cc_client_id",
    "cc_secret",
    "cc_access_token",
    "hidden_client_id",
]
KNOWN = st.builds(Known, st.sampled_from(KNOWN_NAMES), st.sampled_from(list(MUTATIONS)))

VALUES = st.one_of(
    KNOWN,
    TEXT,
    st.binary(max_size=30),  # raw bytes: percent-encoded in a form, as-is in multipart
    st.sampled_from(GRANT_TYPES + SCOPES + ["S256", "plain", "code", "token", "true", "1"]),
)

# ---- headers ------------------------------------------------------------------------------

_CRED_PART = st.one_of(
    st.builds(Known, st.sampled_from(["client_id", "secret", "cc_client_id", "cc_secret"])),
    KNOWN,
    TEXT,
)

AUTHORIZATION_BASIC = st.one_of(
    st.none(),
    st.builds(Known, st.sampled_from(["basic", "basic_cc", "basic_public"])),
    st.builds(
        Known,
        st.sampled_from(["basic", "basic_cc", "basic_public"]),
        st.sampled_from(list(MUTATIONS)),
    ),
    st.builds(
        BasicOf,
        _CRED_PART,
        _CRED_PART,
        st.sampled_from([":", "", "::", "%3A", "\x00"]),
        st.sampled_from(["utf-8", "latin-1", "utf-16"]),
    ),
    st.binary(max_size=60).map(lambda b: "Basic " + base64.b64encode(b).decode()),
    HEADER_TEXT.map(lambda t: "Basic " + t),
    HEADER_TEXT,
    st.sampled_from(
        [
            "Basic",
            "Basic ",
            "basic",
            "Basic ====",
            "Basic \u00e9",
            "Basic \u00e9\u00e9\u00e9\u00e9",
            "Basic " + base64.b64encode(b"a" * 100_000).decode(),
            "Basic " + base64.b64encode(b"\xff\xfe:\xff").decode(),
            "Basic " + base64.b64encode(b"no-colon").decode(),
            "Basic " + base64.b64encode(b"a\x00b:c").decode(),
            "Basic " + base64.b64encode(b"a\x00b:c").decode() + "!",
            "Basic\t" + base64.b64encode(b"a:b").decode(),
            "Bearer something",
            "Digest username=x",
            "\x00",
        ]
    ),
)

AUTHORIZATION_BEARER = st.one_of(
    st.none(),
    st.builds(Known, st.sampled_from(["bearer", "bearer_cc"])),
    st.builds(Known, st.sampled_from(["bearer", "bearer_cc"]), st.sampled_from(list(MUTATIONS))),
    st.builds(Known, st.sampled_from(["basic"])),
    HEADER_TEXT.map(lambda t: "Bearer " + t),
    HEADER_TEXT,
    st.sampled_from(
        [
            "Bearer",
            "Bearer ",
            "bearer  ",
            "BEARER x",
            "Bearer \x00",
            "Bearer " + "a" * 100_000,
            "Bearer \u00e9\u00ff",
            "Token abc",
            "Basic " + base64.b64encode(b"a:b").decode(),
        ]
    ),
)

ACCEPT_VALUES = [
    "application/json",
    "text/html",
    "application/xml",
    "*/*",
    "",
    "application/json; indent=4",
    "application/json; indent=abc",
    "application/json; indent=99999999999999999999",
    "application/json; q=0",
]
# Mostly none (as most clients send), sometimes a known value, sometimes noise (406s).
ACCEPT = st.builds(
    lambda pick, known, noise: None if pick < 6 else known if pick < 9 else noise,
    st.integers(0, 9),
    st.sampled_from(ACCEPT_VALUES),
    HEADER_TEXT,
)

# ---- bodies -------------------------------------------------------------------------------

CONTENT_TYPES = [
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=utf-8",
    "multipart/form-data; boundary=fuzzboundary",
    "application/json",
    "application/json; charset=utf-16",
    "text/plain",
    "text/html",
    "application/xml",
    "application/octet-stream",
    "",
    "*/*",
    ";;;",
    "application/x-www-form-urlencoded; charset=nonexistent",
]
# Bodies Django itself cannot parse: it raises before a view can read the form.
UNPARSEABLE_CONTENT_TYPES = [
    "multipart/form-data",
    "multipart/form-data; boundary=",
    "multipart/form-data; boundary=\x00",
    "multipart/form-data; boundary=" + "x" * 300,
    "application/x-www-form-urlencoded; charset=latin-1",
    "application/x-www-form-urlencoded; charset=utf-16",
    "application/x-www-form-urlencoded; charset=hex",
]

# How a request's (key, value) pairs travel:
BODY_KINDS = [
    "urlencoded",  # percent-encoded, application/x-www-form-urlencoded
    "unquoted",  # `k=v&...` without any encoding
    "multipart",  # multipart/form-data, as curl -F sends
    "multipart_files",  # the same, every field an uploaded file
    "json",  # a JSON object, application/json
    "text",  # a urlencoded body labelled text/plain
    "query",  # no body; the pairs in the query string
    "content_type",  # a urlencoded body under a random content type
    "raw",  # random bytes under a random content type
]
# Bodies Django refuses to parse (too large, too many fields, broken multipart, a charset
# other than UTF-8): the view must still answer in its own shape.
OVERSIZED_KINDS = ["oversized", "too_many_fields", "unparseable"]

# TokenView reads request.POST without catching Django's refusal to parse a body, so those
# requests get Django's HTML 400 page (oauthapps/views/authorize.py, reported; the strict
# xfails in TokenFuzzTestCase hold the repros). Until it shapes them, the token property
# leaves such bodies out; once it does, set this to True and they all come back.
TOKEN_VIEW_SHAPES_UNPARSEABLE_BODIES = True
TOKEN_BODY_KINDS = BODY_KINDS + (OVERSIZED_KINDS if TOKEN_VIEW_SHAPES_UNPARSEABLE_BODIES else [])
TOKEN_CONTENT_TYPES = CONTENT_TYPES + (
    UNPARSEABLE_CONTENT_TYPES if TOKEN_VIEW_SHAPES_UNPARSEABLE_BODIES else []
)


def django_refuses(body: bytes, content_type: str) -> bool:
    """Whether Django refuses to parse this POST body before any view can read it."""
    request = RequestFactory().generic("POST", "/", body, content_type=content_type)
    try:
        request.POST  # noqa: B018
    except (SuspiciousOperation, BadRequest, MultiPartParserError):
        return True
    return False


def _bytes(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8")


def _text(value: str | bytes) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value


def urlencoded(pairs) -> bytes:
    return b"&".join(
        quote_plus(_bytes(k)).encode() + b"=" + quote_plus(_bytes(v)).encode() for k, v in pairs
    )


def multipart(pairs, *, files: bool = False, boundary: bytes = b"fuzzboundary") -> bytes:
    lines = []
    for key, value in pairs:
        disposition = b'Content-Disposition: form-data; name="' + _bytes(key) + b'"'
        if files:
            disposition += b'; filename="x.txt"'
        lines += [b"--" + boundary, disposition, b"", _bytes(value)]
    lines += [b"--" + boundary + b"--", b""]
    return b"\r\n".join(lines)


def encode_body(pairs, kind: str, content_type: str, raw: bytes) -> tuple[bytes, str, str]:
    """(body, content type, query string) for pairs sent as `kind`."""
    if kind == "urlencoded":
        return urlencoded(pairs), "application/x-www-form-urlencoded", ""
    if kind == "unquoted":
        body = b"&".join(_bytes(k) + b"=" + _bytes(v) for k, v in pairs)
        return body, "application/x-www-form-urlencoded", ""
    if kind in ("multipart", "multipart_files"):
        body = multipart(pairs, files=kind == "multipart_files")
        return body, "multipart/form-data; boundary=fuzzboundary", ""
    if kind == "json":
        return json.dumps({_text(k): _text(v) for k, v in pairs}).encode(), "application/json", ""
    if kind == "text":
        return urlencoded(pairs), "text/plain", ""
    if kind == "query":
        return b"", "application/x-www-form-urlencoded", urlencoded(pairs).decode("ascii")
    if kind == "content_type":
        return urlencoded(pairs), content_type, ""
    if kind == "raw":
        return raw, content_type, ""
    if kind == "oversized":  # over DATA_UPLOAD_MAX_MEMORY_SIZE
        limit = django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 2_621_440
        padding = b"&padding=" + b"a" * (limit + 1)
        return urlencoded(pairs) + padding, "application/x-www-form-urlencoded", ""
    if kind == "too_many_fields":  # over DATA_UPLOAD_MAX_NUMBER_FIELDS
        extra = b"&".join(
            b"f%d=1" % i for i in range(django_settings.DATA_UPLOAD_MAX_NUMBER_FIELDS or 1000)
        )
        return urlencoded(pairs) + b"&" + extra, "application/x-www-form-urlencoded", ""
    if kind == "unparseable":
        return multipart(pairs) + raw, content_type, ""
    raise AssertionError(kind)


# ---- requests -----------------------------------------------------------------------------

TOKEN_KEYS = [
    "grant_type",
    "client_id",
    "client_secret",
    "code",
    "redirect_uri",
    "code_verifier",
    "refresh_token",
    "scope",
]
TOKEN_TEMPLATES = {
    "empty": [],
    "code": [
        ("grant_type", "authorization_code"),
        ("client_id", Known("client_id")),
        ("client_secret", Known("secret")),
        ("code", Known("code")),
    ],
    "code_basic": [("grant_type", "authorization_code"), ("code", Known("code"))],
    "code_contentdb": [
        ("client_id", Known("client_id")),
        ("client_secret", Known("secret")),
        ("code", Known("code")),
    ],
    "pkce": [
        ("grant_type", "authorization_code"),
        ("client_id", Known("public_client_id")),
        ("code", Known("public_code")),
        ("code_verifier", Known("verifier")),
        ("redirect_uri", Known("loopback_uri")),
    ],
    "refresh": [
        ("grant_type", "refresh_token"),
        ("client_id", Known("client_id")),
        ("client_secret", Known("secret")),
        ("refresh_token", Known("refresh_token")),
    ],
    "client_credentials": [
        ("grant_type", "client_credentials"),
        ("client_id", Known("cc_client_id")),
        ("client_secret", Known("cc_secret")),
        ("scope", "public"),
    ],
}
CLIENT_TEMPLATES = {  # revoke and introspect
    "empty": [],
    "access_token": [
        ("client_id", Known("client_id")),
        ("client_secret", Known("secret")),
        ("token", Known("access_token")),
    ],
    "refresh_token": [
        ("client_id", Known("client_id")),
        ("client_secret", Known("secret")),
        ("token", Known("refresh_token")),
        ("token_type_hint", "refresh_token"),
    ],
    "other_clients_token": [
        ("client_id", Known("cc_client_id")),
        ("client_secret", Known("cc_secret")),
        ("token", Known("access_token")),
    ],
    "public_client": [("client_id", Known("public_client_id")), ("token", Known("access_token"))],
    "basic": [("token", Known("cc_access_token"))],
}
AUTHORIZE_TEMPLATES = {
    "empty": [],
    "confidential": [
        ("response_type", "code"),
        ("client_id", Known("client_id")),
        ("redirect_uri", Known("redirect_uri")),
        ("scope", "public"),
        ("state", "xyz"),
    ],
    "pkce": [
        ("response_type", "code"),
        ("client_id", Known("public_client_id")),
        ("redirect_uri", Known("loopback_uri")),
        ("code_challenge", Known("challenge")),
        ("code_challenge_method", "S256"),
    ],
    "native": [
        ("client_id", Known("public_client_id")),
        ("redirect_uri", NATIVE_URI),
        ("code_challenge", Known("challenge")),
        ("code_challenge_method", "S256"),
        ("scope", "public,email"),
    ],
    "oob": [
        ("response_type", "code"),
        ("client_id", Known("public_client_id")),
        ("redirect_uri", OOB_URI),
        ("code_challenge", Known("challenge")),
        ("code_challenge_method", "S256"),
    ],
    "query_uri": [("client_id", Known("client_id")), ("redirect_uri", QUERY_URI)],
    "hidden": [("client_id", Known("hidden_client_id")), ("redirect_uri", REDIRECT_URI)],
}
AUTHORIZE_KEYS = [
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
    "force_login",
]


def edits(keys: list[str]):
    """Changes to a template: drop a key, replace a value, repeat a key, add a random key."""
    key = st.one_of(st.sampled_from(keys), TEXT)
    return st.lists(
        st.one_of(
            st.tuples(st.just("drop"), st.sampled_from(keys)),
            st.tuples(st.just("set"), st.sampled_from(keys), VALUES),
            st.tuples(st.just("repeat"), key, VALUES),
        ),
        max_size=4,
    )


def apply_edits(template: list, changes: list) -> list:
    pairs = list(template)
    for change in changes:
        if change[0] == "drop":
            pairs = [(k, v) for k, v in pairs if k != change[1]]
        elif change[0] == "set":
            pairs = [(k, v) for k, v in pairs if k != change[1]] + [(change[1], change[2])]
        else:
            pairs.append((change[1], change[2]))
    return pairs


# ---- the properties -----------------------------------------------------------------------


class FuzzTestCase(TestCase):
    """The fixtures every property draws its valid values from, and the shape checks.

    Hypothesis's TestCase runs each example in its own transaction, rolled back after it,
    so the fixtures live in setUpTestData: a redeemed code or a revoked token comes back
    for the next example.
    """

    @classmethod
    def setUpTestData(cls) -> None:
        # The world (tests/world.py); Alice's App also takes QUERY_URI, so a confidential
        # client has a redirect URI with its own query.
        world = create_world(
            "public_app",
            "service_app",
            "hidden_app",
            app={"redirect_uris": f"{REDIRECT_URI} {QUERY_URI}"},
        )
        cls.alice, cls.bob = world.alice, world.bob
        cls.app, secret = world.app, world.secret
        cls.public_app = world.public_app
        cls.cc_app, cc_secret = world.service_app, world.secrets["service_app"]
        cls.hidden_app = world.hidden_app
        verifier, challenge = pkce_pair("f" * 64)

        client = Client()
        client.force_login(cls.alice)

        def get_code(app, redirect_uri, **params) -> str:
            query = urlencode({"client_id": app.client_id, "redirect_uri": redirect_uri, **params})
            response = client.post(f"/oauth/authorize/?{query}", {"authorize": "1"})
            return query_of(response["Location"])["code"][0]

        def token(**data) -> dict:
            response = client.post("/oauth/token/", data)
            assert response.status_code == 200, response.content
            return response.json()

        tokens = token(
            grant_type="authorization_code",
            client_id=cls.app.client_id,
            client_secret=secret,
            code=get_code(cls.app, REDIRECT_URI),
        )
        cc_token = token(
            grant_type="client_credentials", client_id=cls.cc_app.client_id, client_secret=cc_secret
        )["access_token"]

        def basic(client_id: str, secret: str) -> str:
            return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()

        cls.known = {
            "client_id": cls.app.client_id,
            "secret": secret,
            "code": get_code(cls.app, REDIRECT_URI),
            "redirect_uri": REDIRECT_URI,
            "public_client_id": cls.public_app.client_id,
            "public_code": get_code(
                cls.public_app,
                LOOPBACK_URI,
                code_challenge=challenge,
                code_challenge_method="S256",
            ),
            "verifier": verifier,
            "challenge": challenge,
            "loopback_uri": LOOPBACK_URI,
            "access_token": tokens["access_token"],
            "refresh_token": tokens["refresh_token"],
            "cc_client_id": cls.cc_app.client_id,
            "cc_secret": cc_secret,
            "cc_access_token": cc_token,
            "hidden_client_id": cls.hidden_app.client_id,
            "basic": basic(cls.app.client_id, secret),
            "basic_cc": basic(cls.cc_app.client_id, cc_secret),
            "basic_public": basic(cls.public_app.client_id, ""),
            "bearer": f"Bearer {tokens['access_token']}",
            "bearer_cc": f"Bearer {cc_token}",
        }

    @property
    def apps(self) -> list[Application]:
        return [self.app, self.public_app, self.cc_app, self.hidden_app]

    def setup_example(self) -> None:
        super().setup_example()
        cache.clear()  # rate-limit counters live in the cache

    # ---- resolving drawn values ----

    def resolve(self, value):
        if isinstance(value, Known):
            return MUTATIONS[value.mutation](self.known[value.name])
        if isinstance(value, BasicOf):
            user, password = _text(self.resolve(value.user)), _text(self.resolve(value.password))
            raw = (user + value.sep + password).encode(value.charset, "replace")
            return "Basic " + base64.b64encode(raw).decode()
        return value

    def resolve_pairs(self, pairs) -> list:
        return [(self.resolve(k), self.resolve(v)) for k, v in pairs]

    @contextmanager
    def example(self):
        """For tests without @given: an empty cache, a savepoint rolled back afterwards."""
        cache.clear()
        with transaction.atomic():
            yield
            transaction.set_rollback(True)

    def send(
        self,
        method,
        path,
        *,
        body=b"",
        content_type="",
        query="",
        authorization=None,
        accept=None,
        user=None,
    ):
        if not is_usable_charset(content_type):
            # Django cannot even build a request from this (LookupError decoding the
            # query string); config/wsgi.py's guard answers first. Send it through there.
            return self.send_wsgi(method, path, body, content_type, query, authorization)
        client = Client()
        if user is not None:
            client.force_login(user)
        extra = {}
        if query:
            extra["QUERY_STRING"] = query
        if authorization is not None:
            extra["HTTP_AUTHORIZATION"] = self.resolve(authorization)
        if accept is not None:
            extra["HTTP_ACCEPT"] = accept
        return client.generic(method, path, body, content_type=content_type, **extra)

    def send_wsgi(self, method, path, body, content_type, query, authorization):
        """The request through config.wsgi.application, as gunicorn would send it."""
        status, headers, content = wsgi_call(
            path,
            method=method,
            content_type=content_type,
            query=query,
            body=body,
            authorization=None if authorization is None else self.resolve(authorization),
        )
        return HttpResponse(content, status=int(status.split()[0]), headers=headers)

    # ---- shape checks ----

    def json_body(self, response) -> dict:
        self.assertEqual(response["Content-Type"], "application/json", response.content[:300])
        body = json.loads(response.content)
        self.assertIsInstance(body, dict)
        # --hypothesis-show-statistics: which answers the examples reached.
        message = str(body.get("error_description") or body.get("error") or "")
        if currently_in_test_context():
            event(f"{response.status_code} {message.split(':')[0][:60]}")
        return body

    def assert_rfc_error(self, response, body: dict, *, any_code: bool = False) -> None:
        self.assertEqual(set(body), {"error", "error_description"}, body)
        self.assertIsInstance(body["error"], str)
        if not any_code:  # the API also answers DRF's codes (method_not_allowed, ...)
            self.assertIn(body["error"], RFC_ERROR_CODES, body)
        self.assertIsInstance(body["error_description"], str)
        self.assertTrue(body["error_description"])
        if response.status_code == 401:
            self.assertIn("WWW-Authenticate", response)

    def assert_dialect_error(self, response, body: dict, *, any_code: bool = False) -> None:
        if self.dialect == "contentdb":
            self.assertEqual(set(body), {"success", "error"}, body)
            self.assertIs(body["success"], False)
            self.assertIsInstance(body["error"], str)
            self.assertTrue(body["error"])
        else:
            self.assert_rfc_error(response, body, any_code=any_code)

    @property
    def dialect(self) -> str:
        return django_settings.OAUTHAPPS["DIALECT"]

    def assert_token_shape(self, response) -> None:
        status = response.status_code
        self.assertIn(status, {200, 400, 401, 403, 405, 413, 429}, response.content[:300])
        body = self.json_body(response)
        if status == 200:
            self.assertIs(body["success"], True, body)
            self.assertIsInstance(body["access_token"], str)
            self.assertEqual(body["token_type"], "Bearer")
            self.assertEqual(response["Cache-Control"], "no-store")
        else:
            self.assert_dialect_error(response, body)

    def assert_revoke_shape(self, response) -> None:
        status = response.status_code
        self.assertIn(status, {200, 400, 401, 403, 405, 413, 429}, response.content[:300])
        body = self.json_body(response)
        if status == 200:
            self.assertEqual(body, {})
        else:
            self.assert_rfc_error(response, body)

    def assert_introspect_shape(self, response) -> None:
        status = response.status_code
        self.assertIn(status, {200, 400, 401, 405, 413, 429}, response.content[:300])
        body = self.json_body(response)
        if status != 200:
            self.assert_rfc_error(response, body)
        elif body.get("active") is True:
            self.assertLessEqual({"scope", "client_id", "token_type", "exp"}, set(body))
        else:
            self.assertEqual(body, {"active": False})

    def assert_api_shape(self, response, success_keys: set[str]) -> None:
        status = response.status_code
        self.assertIn(status, {200, 400, 401, 403, 405, 406, 413, 429}, response.content[:300])
        body = self.json_body(response)
        if status == 200:
            self.assertLessEqual(success_keys, set(body))
        else:
            self.assert_dialect_error(response, body, any_code=True)
            if self.dialect != "contentdb" and status == 401:
                self.assertTrue(response["WWW-Authenticate"].startswith("Bearer"))

    def assert_authorize_shape(self, response, *, signed_in: bool) -> None:
        status = response.status_code
        self.assertIn(status, {200, 302, 400, 404}, response.content[:300])
        found = re.search(rb'<p id="error-message">([^<:]{0,60})', response.content)
        login = status == 302 and "login" in response["Location"]
        if currently_in_test_context():
            event(f"{status} {'login' if login else found.group(1).decode() if found else ''}")
        if status != 302:
            self.assertTrue(response["Content-Type"].startswith("text/html"), response)
            return
        location = response["Location"]
        login = resolve_url(django_settings.LOGIN_URL)
        if location.startswith(login + "?"):
            return
        self.assertTrue(signed_in, f"signed out, yet sent to {location!r}")
        # The registered redirect URI (a loopback one on any port), plus what we added.
        parts = urlsplit(location)
        own_query = [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if k not in ("code", "state", "error", "iss")
        ]
        target = urlunsplit(parts._replace(query=urlencode(own_query), fragment=""))
        self.assertTrue(
            any(app.redirect_uri_allowed(target) for app in self.apps),
            f"redirected to {location!r}, not a registered redirect URI",
        )


class TokenFuzzTestCase(FuzzTestCase):
    @fuzz
    @given(
        template=st.sampled_from(list(TOKEN_TEMPLATES)),
        changes=edits(TOKEN_KEYS),
        kind=st.sampled_from(TOKEN_BODY_KINDS),
        content_type=st.one_of(st.sampled_from(TOKEN_CONTENT_TYPES), HEADER_TEXT),
        raw=st.binary(max_size=200),
        authorization=AUTHORIZATION_BASIC,
        path=st.sampled_from(["/oauth/token/", "/oauth/token", "/api/oauth2/token"]),
        query_grant_type=st.one_of(st.none(), st.sampled_from(GRANT_TYPES), TEXT),
    )
    # Found by this property: DOT decoded HTTP Basic itself, and a non-ASCII header made
    # base64 raise (500); junk after the base64 was skipped, so a NUL byte reached the
    # client_id query (500 on PostgreSQL). oauthapps/protocol/backends.py now hands oauthlib the
    # credentials Gatehouse read.
    @example(
        template="code",
        changes=[],
        kind="urlencoded",
        content_type="",
        raw=b"",
        authorization="Basic \u00e9",
        path="/oauth/token/",
        query_grant_type=None,
    )
    @example(
        template="code",
        changes=[],
        kind="urlencoded",
        content_type="",
        raw=b"",
        authorization="Basic " + base64.b64encode(b"a\x00b:c").decode() + "!",
        path="/oauth/token/",
        query_grant_type=None,
    )
    # Also found by this property (fixed meanwhile in services.py and errors.py): Basic
    # naming one client and the body another, and a refresh asking for more scope than
    # was granted, both answered 500.
    @example(
        template="pkce",
        changes=[],
        kind="urlencoded",
        content_type="",
        raw=b"",
        authorization=Known("basic"),
        path="/oauth/token/",
        query_grant_type=None,
    )
    @example(
        template="refresh",
        changes=[("set", "scope", "0")],
        kind="urlencoded",
        content_type="",
        raw=b"",
        authorization=None,
        path="/oauth/token/",
        query_grant_type=None,
    )
    def test_token_endpoint_answers_in_its_shape(
        self, template, changes, kind, content_type, raw, authorization, path, query_grant_type
    ):
        pairs = self.resolve_pairs(apply_edits(TOKEN_TEMPLATES[template], changes))
        body, content_type, query = encode_body(pairs, kind, content_type, raw)
        if not TOKEN_VIEW_SHAPES_UNPARSEABLE_BODIES and django_refuses(body, content_type):
            reject()  # e.g. a multipart field name over Django's header size limit
        if query_grant_type is not None:
            query = "&".join(filter(None, [query, urlencode({"grant_type": query_grant_type})]))
        response = self.send(
            "POST",
            path,
            body=body,
            content_type=content_type,
            query=query,
            authorization=authorization,
        )
        self.assert_token_shape(response)

    def test_the_unedited_templates_succeed(self):
        # The properties above start from these; they must work, or the fuzz explores
        # only the error paths.
        for template, auth in [
            ("code", None),
            ("code_basic", Known("basic")),
            ("code_contentdb", None),
            ("pkce", None),
            ("refresh", None),
            ("client_credentials", None),
        ]:
            with self.subTest(template), self.example():
                pairs = self.resolve_pairs(TOKEN_TEMPLATES[template])
                response = self.send(
                    "POST",
                    "/oauth/token/",
                    body=urlencoded(pairs),
                    content_type="application/x-www-form-urlencoded",
                    authorization=auth,
                )
                if template == "code_contentdb" and self.dialect != "contentdb":
                    self.assertEqual(response.status_code, 400)
                else:
                    self.assertEqual(response.status_code, 200, response.content)

    # Bodies Django refuses to parse (see TOKEN_VIEW_SHAPES_UNPARSEABLE_BODIES). Strict:
    # once TokenView answers them in the dialect's shape these fail; then flip the switch.
    def post_unparseable(self, kind: str, content_type: str = "", pairs=None):
        pairs = self.resolve_pairs(TOKEN_TEMPLATES["code"]) if pairs is None else pairs
        body, content_type, _ = encode_body(pairs, kind, content_type, b"")
        with self.example():
            return self.send("POST", "/oauth/token/", body=body, content_type=content_type)

    def test_token_endpoint_answers_an_oversized_body_in_its_shape(self):
        self.assert_token_shape(self.post_unparseable("oversized"))

    def test_token_endpoint_answers_too_many_fields_in_its_shape(self):
        self.assert_token_shape(self.post_unparseable("too_many_fields"))

    def test_token_endpoint_answers_a_broken_multipart_body_in_its_shape(self):
        self.assert_token_shape(
            self.post_unparseable("unparseable", "multipart/form-data; boundary=")
        )

    def test_token_endpoint_answers_a_long_multipart_field_name_in_its_shape(self):
        # Found by the exploration: Django's multipart header size limit.
        self.assert_token_shape(self.post_unparseable("multipart", pairs=[("a" * 100_000, "")]))

    def test_token_endpoint_answers_a_non_utf8_form_in_its_shape(self):
        self.assert_token_shape(
            self.post_unparseable(
                "content_type", "application/x-www-form-urlencoded; charset=latin-1"
            )
        )

    @fuzz
    @given(
        method=st.sampled_from(["GET", "PUT", "PATCH", "DELETE"]),
        changes=edits(TOKEN_KEYS),
        authorization=AUTHORIZATION_BASIC,
    )
    def test_token_endpoint_refuses_other_methods_in_its_shape(
        self, method, changes, authorization
    ):
        pairs = self.resolve_pairs(apply_edits(TOKEN_TEMPLATES["code"], changes))
        response = self.send(
            method,
            "/oauth/token/",
            query=urlencoded(pairs).decode(),
            authorization=authorization,
        )
        self.assertEqual(response.status_code, 405)
        self.assert_token_shape(response)


class RevokeIntrospectFuzzTestCase(FuzzTestCase):
    @fuzz
    @given(
        path=st.sampled_from(["/oauth/revoke", "/oauth/revoke/"]),
        template=st.sampled_from(list(CLIENT_TEMPLATES)),
        changes=edits(["client_id", "client_secret", "token", "token_type_hint"]),
        kind=st.sampled_from(BODY_KINDS + OVERSIZED_KINDS),
        content_type=st.one_of(
            st.sampled_from(CONTENT_TYPES + UNPARSEABLE_CONTENT_TYPES), HEADER_TEXT
        ),
        raw=st.binary(max_size=200),
        authorization=AUTHORIZATION_BASIC,
    )
    def test_revoke_answers_in_its_shape(
        self, path, template, changes, kind, content_type, raw, authorization
    ):
        pairs = self.resolve_pairs(apply_edits(CLIENT_TEMPLATES[template], changes))
        body, content_type, query = encode_body(pairs, kind, content_type, raw)
        response = self.send(
            "POST",
            path,
            body=body,
            content_type=content_type,
            query=query,
            authorization=authorization,
        )
        self.assert_revoke_shape(response)

    @fuzz
    @given(
        path=st.sampled_from(["/oauth/introspect", "/oauth/introspect/"]),
        template=st.sampled_from(list(CLIENT_TEMPLATES)),
        changes=edits(["client_id", "client_secret", "token", "token_type_hint"]),
        kind=st.sampled_from(BODY_KINDS + OVERSIZED_KINDS),
        content_type=st.one_of(
            st.sampled_from(CONTENT_TYPES + UNPARSEABLE_CONTENT_TYPES), HEADER_TEXT
        ),
        raw=st.binary(max_size=200),
        authorization=AUTHORIZATION_BASIC,
    )
    def test_introspect_answers_in_its_shape(
        self, path, template, changes, kind, content_type, raw, authorization
    ):
        pairs = self.resolve_pairs(apply_edits(CLIENT_TEMPLATES[template], changes))
        body, content_type, query = encode_body(pairs, kind, content_type, raw)
        response = self.send(
            "POST",
            path,
            body=body,
            content_type=content_type,
            query=query,
            authorization=authorization,
        )
        self.assert_introspect_shape(response)

    @fuzz
    @given(
        path=st.sampled_from(["/oauth/revoke", "/oauth/introspect"]),
        method=st.sampled_from(["GET", "PUT", "PATCH", "DELETE"]),
        authorization=AUTHORIZATION_BASIC,
    )
    def test_revoke_and_introspect_refuse_other_methods_in_their_shape(
        self, path, method, authorization
    ):
        response = self.send(method, path, authorization=authorization)
        self.assertEqual(response.status_code, 405)
        self.assert_revoke_shape(response)


class ApiFuzzTestCase(FuzzTestCase):
    @fuzz
    @given(
        path=st.sampled_from(["/api/whoami/", "/api/whoami"]),
        method=st.one_of(st.just("GET"), st.sampled_from(["POST", "PUT", "PATCH", "DELETE"])),
        authorization=AUTHORIZATION_BEARER,
        accept=ACCEPT,
        query=st.one_of(st.just(""), st.lists(st.tuples(TEXT, VALUES), max_size=3)),
    )
    def test_whoami_answers_in_its_shape(self, path, method, authorization, accept, query):
        if query:
            query = urlencoded(self.resolve_pairs(query)).decode()
        response = self.send(method, path, query=query, authorization=authorization, accept=accept)
        self.assert_api_shape(response, {"is_authenticated", "username"})

    @fuzz
    @given(
        path=st.sampled_from(["/api/delete-token/", "/api/delete-token"]),
        method=st.one_of(st.just("DELETE"), st.sampled_from(["GET", "POST", "PUT"])),
        authorization=AUTHORIZATION_BEARER,
        accept=ACCEPT,
        kind=st.sampled_from(BODY_KINDS + OVERSIZED_KINDS),
        content_type=st.one_of(
            st.sampled_from(CONTENT_TYPES + UNPARSEABLE_CONTENT_TYPES), HEADER_TEXT
        ),
        pairs=st.lists(st.tuples(TEXT, VALUES), max_size=3),
        raw=st.binary(max_size=200),
    )
    def test_delete_token_answers_in_its_shape(
        self, path, method, authorization, accept, kind, content_type, pairs, raw
    ):
        body, content_type, query = encode_body(self.resolve_pairs(pairs), kind, content_type, raw)
        response = self.send(
            method,
            path,
            body=body,
            content_type=content_type,
            query=query,
            authorization=authorization,
            accept=accept,
        )
        self.assert_api_shape(response, {"success"})


class AuthorizeFuzzTestCase(FuzzTestCase):
    @fuzz
    @given(
        path=st.sampled_from(["/oauth/authorize/", "/oauth/authorize", "/oauth2/authorize"]),
        template=st.sampled_from(list(AUTHORIZE_TEMPLATES)),
        changes=edits(AUTHORIZE_KEYS),
        raw_query=st.one_of(st.none(), st.none(), st.none(), st.binary(max_size=100)),
        user=st.sampled_from(["alice", "bob", None]),
        method=st.sampled_from(["GET", "POST"]),
        form=st.one_of(
            st.sampled_from([[], [("authorize", "1")], [("cancel", "1")]]),
            st.lists(
                st.tuples(st.sampled_from(["authorize", "cancel"]) | TEXT, VALUES), max_size=3
            ),
        ),
        kind=st.sampled_from(BODY_KINDS + OVERSIZED_KINDS),
        content_type=st.one_of(
            st.sampled_from(CONTENT_TYPES + UNPARSEABLE_CONTENT_TYPES), HEADER_TEXT
        ),
        raw=st.binary(max_size=100),
    )
    def test_authorize_answers_with_a_page_or_a_safe_redirect(
        self, path, template, changes, raw_query, user, method, form, kind, content_type, raw
    ):
        pairs = self.resolve_pairs(apply_edits(AUTHORIZE_TEMPLATES[template], changes))
        query = urlencoded(pairs).decode()
        if raw_query is not None:  # bytes as they come, latin-1 as WSGI hands them over
            query = raw_query.decode("latin-1")
        body, content_type = b"", ""
        if method == "POST":
            body, content_type, _ = encode_body(self.resolve_pairs(form), kind, content_type, raw)
        person = {"alice": self.alice, "bob": self.bob}.get(user)
        response = self.send(
            method, path, body=body, content_type=content_type, query=query, user=person
        )
        self.assert_authorize_shape(response, signed_in=person is not None)

    def test_the_unedited_templates_reach_the_consent_page(self):
        for template in ["confidential", "pkce", "native", "oob", "query_uri"]:
            with self.subTest(template), self.example():
                pairs = self.resolve_pairs(AUTHORIZE_TEMPLATES[template])
                response = self.send(
                    "GET", "/oauth/authorize/", query=urlencode(pairs), user=self.bob
                )
                self.assertEqual(response.status_code, 200, response.content)
                response = self.send(
                    "POST",
                    "/oauth/authorize/",
                    query=urlencode(pairs),
                    body=urlencoded([("authorize", "1")]),
                    content_type="application/x-www-form-urlencoded",
                    user=self.bob,
                )
                self.assertIn(response.status_code, {200, 302}, response.content)
                if response.status_code == 302:
                    self.assertIn("code", query_of(response["Location"]))


# ---- both dialects ------------------------------------------------------------------------


@rfc_dialect()
class TokenFuzzRFCTestCase(TokenFuzzTestCase):
    pass


@rfc_dialect()
class RevokeIntrospectFuzzRFCTestCase(RevokeIntrospectFuzzTestCase):
    pass


@rfc_dialect()
class ApiFuzzRFCTestCase(ApiFuzzTestCase):
    pass


@rfc_dialect()
class AuthorizeFuzzRFCTestCase(AuthorizeFuzzTestCase):
    pass
