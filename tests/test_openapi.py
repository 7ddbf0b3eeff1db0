"""The OpenAPI description (/api/schema/), the docs page (/api/docs/), and schemathesis.

- The document is valid OpenAPI 3 (openapi-spec-validator, and drf-spectacular's own
  validator), lists every JSON endpoint, describes both error dialects, and generates
  without a warning (drf-spectacular's `check --deploy` check stays quiet).
- Every example in it is valid against its own schema.
- /api/docs/ is Swagger UI from our static files: no inline script or style, nothing
  from another origin, the site's CSP.
- schemathesis, in-process against the WSGI application (`config.wsgi.application`),
  sends every operation generated requests (the schema's examples, its coverage cases,
  then up to SCHEMATHESIS_EXAMPLES fuzzed ones; derandomized) in both dialects, and
  checks that no answer is a 5xx and every answer is one the schema describes (status,
  content type, headers, body). A seeded person, application and tokens make the
  authenticated paths reachable: each case is sent as generated or with real
  credentials (see `Credentials`), chosen from the case itself so runs repeat.

More examples: `SCHEMATHESIS_EXAMPLES=500 .venv/bin/pytest tests/test_openapi.py`.
"""

from __future__ import annotations

import base64
import importlib
import json
import os
import re
import zlib
from contextlib import nullcontext
from datetime import timedelta
from pathlib import Path
from unittest import mock, skipUnless
from urllib.parse import urlencode, urlsplit

import pytest
import schemathesis
import yaml
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.testing import StaticLiveServerTestCase
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import OperationalError, close_old_connections, transaction
from django.test import Client, TestCase
from django.utils import timezone
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from oauth2_provider.models import set_token_value
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate as validate_spec
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.config import SchemathesisConfig

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # not installed: the browser test is skipped
    sync_playwright = None

from config.wsgi import application
from oauthapps import selectors, services
from oauthapps.errors import REASONS, is_contentdb
from oauthapps.models import AccessToken, Application
from oauthapps.openapi import operations as oauthapps_operations
from tests.base import REDIRECT_URI, query_of
from tests.pages import PageParser, is_same_origin, parse_csp
from tests.world import create_world

ENDPOINTS = {
    ("get", "/api/whoami/"),
    ("delete", "/api/delete-token/"),
    ("post", "/api/v1/apps"),
    ("post", "/oauth/token/"),
    ("post", "/oauth/revoke"),
    ("post", "/oauth/introspect"),
    ("get", "/.well-known/oauth-authorization-server"),
    ("get", "/.well-known/openid-configuration"),
    ("get", "/.well-known/jwks.json"),
    ("get", "/oauth/userinfo/"),
}


# ---- the document ----------------------------------------------------------------------------


class SchemaTestCase(TestCase):
    def setUp(self) -> None:
        response = self.client.get("/api/schema/?format=json")
        self.assertEqual(response.status_code, 200)
        self.schema = response.json()

    def test_it_serves_yaml_by_default_and_json_on_request(self):
        yaml_response = self.client.get("/api/schema/")
        self.assertEqual(yaml_response.status_code, 200)
        self.assertTrue(yaml_response["Content-Type"].startswith("application/vnd.oai.openapi"))
        self.assertNotIn("json", yaml_response["Content-Type"])
        json_response = self.client.get("/api/schema/?format=json")
        self.assertTrue(
            json_response["Content-Type"].startswith("application/vnd.oai.openapi+json")
        )
        # A client that asks for plain JSON gets it under that name.
        plain = self.client.get("/api/schema/?format=json", HTTP_ACCEPT="application/json")
        self.assertTrue(plain["Content-Type"].startswith("application/json"))
        self.assertEqual(yaml.safe_load(yaml_response.content), self.schema)
        self.assertEqual(plain.json(), self.schema)

    def test_it_serves_the_schema_whatever_the_authorization_header(self):
        for header in ("Bearer unknown", "Basic Zm9vOmJhcg==", "Nonsense"):
            with self.subTest(header=header):
                response = self.client.get("/api/schema/", HTTP_AUTHORIZATION=header)
                self.assertEqual(response.status_code, 200)

    def test_it_is_the_document_the_tests_run_against(self):
        self.assertEqual(self.schema, generated_schema())

    def test_it_is_valid_openapi_3(self):
        self.assertEqual(self.schema["openapi"], "3.0.3")
        validate_spec(self.schema)  # openapi-spec-validator: raises if invalid
        validate_schema(self.schema)  # drf-spectacular's JSON-schema check

    def test_it_generates_without_warnings(self):
        # What drf-spectacular's `check --deploy` check reports (tests/test_deploy.py).
        GENERATOR_STATS.reset()
        with GENERATOR_STATS.silence():
            SchemaGenerator().get_schema(request=None, public=True)
        self.assertEqual(list(GENERATOR_STATS._warn_cache), [])
        self.assertEqual(list(GENERATOR_STATS._error_cache), [])

    def test_it_lists_every_json_endpoint(self):
        listed = {
            (method, path)
            for path, item in self.schema["paths"].items()
            for method in item
            if method in ("get", "post", "put", "patch", "delete")
        }
        self.assertLessEqual(ENDPOINTS, listed)

    def test_it_describes_the_token_endpoint(self):
        operation = self.schema["paths"]["/oauth/token/"]["post"]
        body = operation["requestBody"]["content"]
        self.assertEqual(set(body), {"application/x-www-form-urlencoded", "multipart/form-data"})
        grants = self.resolve(body["multipart/form-data"]["schema"])["oneOf"]
        self.assertEqual(
            [self.resolve(g)["properties"]["grant_type"]["enum"] for g in grants],
            [["authorization_code"], ["refresh_token"], ["client_credentials"]],
        )
        self.assertEqual(
            set(operation["responses"]), {"200", "400", "401", "405", "413", "429", "503"}
        )
        success = operation["responses"]["200"]["content"]["application/json"]["schema"]
        self.assertEqual(
            list(self.resolve(success)["properties"]),
            [
                "success",
                "access_token",
                "token_type",
                "expires_in",
                "refresh_token",
                "scope",
                "id_token",
                "created_at",
            ],
        )
        self.assertEqual(
            operation["responses"]["429"]["headers"]["Retry-After"],
            {"$ref": "#/components/headers/Retry-After"},
        )
        self.assertEqual(operation["security"], [{"clientBasic": []}, {}])

    def test_it_describes_both_error_dialects(self):
        schemas = self.schema["components"]["schemas"]
        self.assertEqual(
            schemas["Error"]["oneOf"],
            [
                {"$ref": "#/components/schemas/ContentDBError"},
                {"$ref": "#/components/schemas/RFC6749Error"},
            ],
        )
        self.assertEqual(schemas["ContentDBError"]["required"], ["success", "error"])
        self.assertEqual(schemas["RFC6749Error"]["required"], ["error", "error_description"])
        whoami = self.schema["paths"]["/api/whoami/"]["get"]
        self.assertEqual(set(whoami["responses"]), {"200", "401", "403", "503"})
        self.assertEqual(
            whoami["responses"]["403"]["content"]["application/json"]["schema"],
            {"$ref": "#/components/schemas/Error"},
        )
        self.assertEqual(
            whoami["responses"]["401"]["content"]["application/json"]["schema"],
            {"$ref": "#/components/schemas/RFC6749Error"},
        )
        apps = self.schema["paths"]["/api/v1/apps"]["post"]
        self.assertTrue({"200", "422", "429"} <= set(apps["responses"]))
        self.assertEqual(
            set(apps["requestBody"]["content"]),
            {"application/json", "application/x-www-form-urlencoded", "multipart/form-data"},
        )

    def test_it_names_the_security_schemes(self):
        schemes = self.schema["components"]["securitySchemes"]
        self.assertEqual(schemes["bearerAuth"]["scheme"], "bearer")
        self.assertEqual(schemes["clientBasic"]["scheme"], "basic")
        paths = self.schema["paths"]
        self.assertEqual(paths["/api/whoami/"]["get"]["security"], [{"bearerAuth": []}, {}])
        self.assertEqual(paths["/api/delete-token/"]["delete"]["security"], [{"bearerAuth": []}])
        for path in ("/oauth/revoke", "/oauth/introspect"):
            self.assertEqual(paths[path]["post"]["security"], [{"clientBasic": []}, {}])

    def test_its_error_examples_are_the_catalogues_sentences(self):
        sentences = {message for _, message, _, _ in REASONS.values() if "{" not in message}
        patterns = [
            re.compile(re.escape(message).replace(r"\{", "{").replace(r"\}", "}"))
            for _, message, _, _ in REASONS.values()
            if "{" in message
        ]
        patterns = [re.compile(re.sub(r"\{[a-z_]+\}", ".+", p.pattern)) for p in patterns]
        checked = 0
        for path, item in self.schema["paths"].items():
            for method, operation in item.items():
                for status, answer in operation["responses"].items():
                    for media in answer.get("content", {}).values():
                        for name, example in media.get("examples", {}).items():
                            body = example["value"]
                            message = body.get("error_description") or (
                                body.get("error") if body.get("success") is False else None
                            )
                            if not isinstance(message, str):
                                continue
                            checked += 1
                            with self.subTest(path=path, method=method, status=status, name=name):
                                self.assertTrue(
                                    message in sentences
                                    or any(p.fullmatch(message) for p in patterns),
                                    message,
                                )
        self.assertGreaterEqual(checked, 10)

    def test_a_changed_sentence_changes_the_schema(self):
        # The operations are built from the catalogue when their module loads.
        changed = ("invalid_grant", "A sentence changed in the catalogue", 400, 400)
        with mock.patch.dict(REASONS, {"invalid_code": changed}):
            importlib.reload(oauthapps_operations)
            schema = generated_schema()
        importlib.reload(oauthapps_operations)
        self.assertNotIn("A sentence changed", json.dumps(generated_schema()))
        examples = schema["paths"]["/oauth/token/"]["post"]["responses"]["400"]["content"][
            "application/json"
        ]["examples"]
        self.assertEqual(
            examples["contentdb"]["value"],
            {"success": False, "error": "A sentence changed in the catalogue"},
        )

    def test_its_examples_match_their_schemas(self):
        checked = 0
        for path, item in self.schema["paths"].items():
            for method, operation in item.items():
                media = [
                    (f"{status} {content_type}", content)
                    for status, answer in operation["responses"].items()
                    for content_type, content in answer.get("content", {}).items()
                ]
                media += [
                    (f"request {content_type}", content)
                    for content_type, content in operation.get("requestBody", {})
                    .get("content", {})
                    .items()
                ]
                for where, content in media:
                    for name, example in content.get("examples", {}).items():
                        with self.subTest(f"{method.upper()} {path} {where} {name}"):
                            self.validator(content["schema"]).validate(example["value"])
                            checked += 1
        self.assertGreater(checked, 20)

    def resolve(self, node: dict) -> dict:
        while "$ref" in node:
            node = self.schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
        return node

    def validator(self, schema: dict) -> OAS30Validator:
        document = {**schema, "components": self.schema["components"]}
        return OAS30Validator(document)


# ---- the docs page -----------------------------------------------------------------------------


class DocsPageTestCase(TestCase):
    def test_it_shows_swagger_ui_from_our_own_static_files(self):
        response = self.client.get("/api/docs/")
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response["Content-Type"].startswith("text/html"))
        parser = PageParser()
        parser.feed(response.content.decode())
        self.assertEqual(parser.inline, [])
        scripts = [url for where, url in parser.urls if where == "script.src"]
        stylesheets = parser.stylesheets
        self.assertEqual(
            [url.rsplit("/", 1)[1] for url in scripts], ["swagger-ui-bundle.js", "docs.js"]
        )
        self.assertEqual(
            [url.rsplit("/", 1)[1] for url in stylesheets], ["swagger-ui.css", "docs.css"]
        )
        for where, url in parser.urls:
            with self.subTest(url=url):
                self.assertTrue(is_same_origin(url), f"{where}={url}")
        for url in scripts + stylesheets:
            with self.subTest(asset=url):
                self.assertTrue(url.startswith("/static/"), url)
                self.assertIsNotNone(finders.find(url.removeprefix("/static/")), url)
        self.assertContains(response, 'data-schema-url="/api/schema/?format=json"')

    def test_it_sends_the_sites_strict_csp(self):
        response = self.client.get("/api/docs/")
        policy = parse_csp(response["Content-Security-Policy"])
        self.assertEqual(policy["default-src"], ["'self'"])
        self.assertEqual(policy["script-src"], ["'self'"])
        self.assertEqual(policy["style-src"], ["'self'"])
        self.assertEqual(policy["frame-ancestors"], ["'none'"])
        self.assertEqual(response["X-Frame-Options"], "DENY")

    def test_its_start_up_script_needs_nothing_from_elsewhere(self):
        script = open(finders.find("api/docs.js"), encoding="utf-8").read()
        self.assertIn("container.dataset.schemaUrl", script)
        self.assertIn("validatorUrl: null", script)
        self.assertNotRegex(script, r"https?://")


CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"}`);
});
"""


@skipUnless(
    sync_playwright is not None and CHROMIUM.exists(), "needs Playwright and Debian's Chromium"
)
class DocsPageBrowserTestCase(StaticLiveServerTestCase):
    """Swagger UI really renders in Chromium under the CSP, and reaches nothing elsewhere."""

    def test_it_renders_and_tries_an_endpoint_offline_under_the_csp(self):
        errors: list[str] = []
        elsewhere: list[str] = []
        own = urlsplit(self.live_server_url).netloc

        def route(route) -> None:
            if urlsplit(route.request.url).netloc == own:
                route.continue_()
            else:
                elsewhere.append(route.request.url)
                route.abort()

        # Playwright's sync API runs an event loop in this thread; the live server's
        # database work happens in its own thread.
        with (
            mock.patch.dict(os.environ, {"DJANGO_ALLOW_ASYNC_UNSAFE": "true"}),
            sync_playwright() as playwright,
        ):
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM),
                args=["--headless", "--no-sandbox", "--disable-gpu"],
            )
            try:
                context = browser.new_context()
                context.route("**/*", route)
                page = context.new_page()
                page.add_init_script(CSP_LISTENER)
                page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
                page.on("pageerror", lambda error: errors.append(str(error)))
                page.goto(self.live_server_url + "/api/docs/")
                page.wait_for_selector(".opblock-summary-path", timeout=15_000)
                paths = page.locator(".opblock-summary-path").all_inner_texts()
                self.assertLessEqual(
                    {path for _, path in ENDPOINTS},
                    {path.replace("\u200b", "") for path in paths},  # Swagger UI's word breaks
                )
                # Styles from swagger-ui.css apply (a blocked stylesheet leaves them plain).
                self.assertEqual(
                    page.locator(".swagger-ui .opblock-tag").first.evaluate(
                        "e => getComputedStyle(e).display"
                    ),
                    "flex",
                )
                # "Try it out" reaches the site itself (connect-src 'self').
                page.get_by_text("/.well-known/oauth-authorization-server").click()
                page.get_by_role("button", name="Try it out").click()
                page.get_by_role("button", name="Execute").click()
                status = page.locator(".live-responses-table .response .response-col_status")
                status.first.wait_for(timeout=10_000)
                self.assertEqual(status.first.inner_text().strip(), "200")
            finally:
                browser.close()
        self.assertEqual(errors, [])
        self.assertEqual(elsewhere, [])


# ---- schemathesis -------------------------------------------------------------------------------

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "25"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
NO_RATE_LIMITS = {
    "client_auth_failures_per_client_and_ip": None,
    "client_auth_failures_per_ip": None,
    "login_per_ip": None,
    "login_failures_per_username": None,
    "signup_per_ip": None,
}


def in_test_transaction(environ, start_response):
    """The site's WSGI application, kept inside the test's transaction.

    As Django's test client does: around each request Django closes the connection
    (CONN_MAX_AGE is 0 in tests), which would end the transaction the test runs in.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        answer = application(environ, start_response)
        try:
            body = b"".join(answer)
        finally:
            if hasattr(answer, "close"):
                answer.close()  # sends request_finished
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return [body]


# In-process, as a WSGI server would call it (with the peer's address: rate limits use it).
CALL = {"app": in_test_transaction, "environ_base": {"REMOTE_ADDR": "127.0.0.1"}}
DEMO_CLIENT_ID = "demo-client-id"
DEMO_CLIENT_SECRET = "demo-client-secret"
DEMO_BODY = {"client_id": DEMO_CLIENT_ID, "client_secret": DEMO_CLIENT_SECRET}


class Credentials:
    """The seeded world, and real credentials minted for one case at a time."""

    def __init__(self) -> None:
        # The world (tests/world.py): alice, with Alice's App under the demo application's
        # credentials, which the schema's examples use (README), allowed client
        # credentials; bob's app is the other client; the Public App the public one.
        world = create_world(
            "bob_app",
            "public_app",
            app={
                "client_id": DEMO_CLIENT_ID,
                "secret": DEMO_CLIENT_SECRET,
                "allow_client_credentials": True,
            },
        )
        self.person = world.alice
        self.app = world.app
        self.other_app, self.other_secret = world.bob_app, world.secrets["bob_app"]
        self.public_app = world.public_app
        self.browser = Client()
        self.browser.force_login(self.person)

    # ---- minting ----

    def code(self, scope: str = "public", app: Application | None = None) -> str:
        """A code from the consent page, as the person (alice) pressing Authorize."""
        app = app or self.app
        query = {
            "response_type": "code",
            "client_id": app.client_id,
            "redirect_uri": REDIRECT_URI,
            "scope": scope,
        }
        response = self.browser.post("/oauth/authorize/?" + urlencode(query), {"authorize": "1"})
        assert response.status_code == 302, response.content
        return query_of(response["Location"])["code"][0]

    def pair(self, scope: str = "public") -> dict:
        """A person's access and refresh token, through the real flow."""
        response = Client().post(
            "/oauth/token/",
            {
                "grant_type": "authorization_code",
                "client_id": DEMO_CLIENT_ID,
                "client_secret": DEMO_CLIENT_SECRET,
                "code": self.code(scope),
            },
        )
        assert response.status_code == 200, response.content
        return response.json()

    def app_token(self) -> str:
        response = Client().post(
            "/oauth/token/",
            {
                "grant_type": "client_credentials",
                "client_id": DEMO_CLIENT_ID,
                "client_secret": DEMO_CLIENT_SECRET,
            },
        )
        assert response.status_code == 200, response.content
        return response.json()["access_token"]

    def stored_token(self, *, scope: str, expired: bool = False) -> str:
        """An access token written directly (for scopes and states the flow won't give)."""
        value = f"schemathesis-{scope}-{expired}-{AccessToken.objects.count()}"
        token = AccessToken(
            user=self.person,
            application=self.app,
            scope=scope,
            expires=timezone.now() + timedelta(hours=-1 if expired else 1),
        )
        set_token_value(token, value)
        token.save()
        return value

    def revoked_token(self) -> str:
        value = self.pair()["access_token"]
        services.revoke_token(token=selectors.find_access_token(token=value))
        return value

    # ---- applying them to a case ----

    BEARER = [
        "none",
        "person",
        "person with email",
        "application",
        "without the public scope",
        "expired",
        "revoked",
        "other scheme",
    ]
    CLIENT = [
        "as generated",
        "body",
        "basic",
        "basic and body",
        "wrong secret",
        "public client",
        "other client",
    ]
    TOKEN = ["as generated", "access", "refresh", "other client's", "revoked"]

    def choose(self, case) -> str | None:
        """Real credentials for this case (None: it has no place for them).

        Chosen from the case's own content, so the same case always gets the same ones.
        """
        seed = zlib.crc32(repr((case.body, case.headers, case.query)).encode())
        security = {
            name
            for requirement in case.operation.definition.raw.get("security", [])
            for name in requirement
        }
        if "bearerAuth" in security:
            return "bearer: " + self.BEARER[seed % len(self.BEARER)]
        if "clientBasic" in security and isinstance(case.body, dict):
            client = self.CLIENT[seed % len(self.CLIENT)]
            token = self.TOKEN[(seed // len(self.CLIENT)) % len(self.TOKEN)]
            if (client, token) != ("as generated", "as generated"):
                return f"client: {client}; token: {token}"
        return None

    def apply(self, case, choice: str) -> None:
        if choice.startswith("bearer: "):
            self.apply_bearer(case, choice.removeprefix("bearer: "))
            return
        client, token = (part.split(": ")[1] for part in choice.split("; "))
        self.apply_client(case, client)
        self.apply_token(case, token)

    def apply_bearer(self, case, choice: str) -> None:
        headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
        value = {
            "none": lambda: None,
            "person": lambda: "Bearer " + self.pair()["access_token"],
            "person with email": lambda: "Bearer " + self.pair("public email")["access_token"],
            "application": lambda: "Bearer " + self.app_token(),
            "without the public scope": lambda: "Bearer " + self.stored_token(scope="email"),
            "expired": lambda: "Bearer " + self.stored_token(scope="public", expired=True),
            "revoked": lambda: "Bearer " + self.revoked_token(),
            "other scheme": lambda: "Basic " + base64.b64encode(b"demo:password").decode(),
        }[choice]()
        if value is not None:
            headers["Authorization"] = value
        case.headers = headers

    def apply_client(self, case, choice: str) -> None:
        if choice == "as generated":
            return
        body = {k: v for k, v in case.body.items() if k not in ("client_id", "client_secret")}
        headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
        if choice in ("body", "basic and body"):
            body.update(client_id=DEMO_CLIENT_ID, client_secret=DEMO_CLIENT_SECRET)
        if choice in ("basic", "basic and body"):
            credentials = f"{DEMO_CLIENT_ID}:{DEMO_CLIENT_SECRET}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(credentials).decode()
        if choice == "wrong secret":
            body.update(client_id=DEMO_CLIENT_ID, client_secret="wrong")
        if choice == "public client":
            body["client_id"] = self.public_app.client_id
        if choice == "other client":
            body.update(client_id=self.other_app.client_id, client_secret=self.other_secret)
        case.body = body
        case.headers = headers

    def apply_token(self, case, choice: str) -> None:
        if choice == "as generated":
            return
        body = dict(case.body)
        if case.operation.path != "/oauth/token/":
            body["token"] = self.token_value(choice, "access_token")
        elif body.get("grant_type") == "refresh_token":
            body["refresh_token"] = self.token_value(choice, "refresh_token")
        elif body.get("grant_type", "authorization_code") == "authorization_code":
            app = self.other_app if choice == "other client's" else self.app
            body["code"] = self.code(app=app)
        case.body = body

    def token_value(self, choice: str, kind: str) -> str:
        if choice == "access":
            return self.pair()["access_token"]
        if choice == "refresh":
            return self.pair()["refresh_token"]
        if choice == "revoked":
            pair = self.pair()
            services.revoke_token(token=selectors.find_access_token(token=pair["access_token"]))
            return pair[kind]
        # Another client's token.
        response = Client().post(
            "/oauth/token/",
            {
                "grant_type": "authorization_code",
                "client_id": self.other_app.client_id,
                "client_secret": self.other_secret,
                "code": self.code(app=self.other_app),
            },
        )
        assert response.status_code == 200, response.content
        return response.json()[kind]


def generated_schema() -> dict:
    """The document /api/schema/ serves (SchemaTestCase checks they are the same)."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document))


schema = schemathesis.openapi.from_dict(
    generated_schema(),
    config=SchemathesisConfig.from_dict(
        {
            "generation": {"max-examples": EXAMPLES, "deterministic": True, "database": "none"},
            "phases": {"stateful": {"enabled": False}},
        }
    ),
)


@pytest.fixture(params=["contentdb", "rfc6749"])
def gatehouse(request, db, settings) -> Credentials:
    """The seeded world, in one dialect, with rate limits off."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    settings.OAUTHAPPS = {
        **settings.OAUTHAPPS,
        "DIALECT": request.param,
        "RATE_LIMITS": NO_RATE_LIMITS,
        "APP_REGISTRATION_RATE": None,
    }
    cache.clear()
    return Credentials()


@schema.parametrize()
@hypothesis_settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_site_answers_as_its_schema_says(case, gatehouse):
    """Each case as generated, then (where it has a place for them) with real credentials."""
    choice = gatehouse.choose(case)
    for credentials in [None, choice] if choice else [None]:
        with transaction.atomic():  # each request from the same seeded state
            cache.clear()
            if credentials:
                gatehouse.apply(case, credentials)
            try:
                case.call_and_validate(**CALL, checks=CHECKS)
            except Exception as exc:
                exc.add_note(f"Credentials: {credentials or 'as generated'}")
                raise
            finally:
                transaction.set_rollback(True)


FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
JSON = "application/json"


class Sender:
    """Hand-made cases, each validated as schemathesis validates generated ones."""

    def __init__(self, subtests) -> None:
        self.subtests = subtests
        self.statuses: dict[str, set[int]] = {}

    def send(
        self,
        label: str,
        method: str,
        path: str,
        prepare=None,
        during=None,
        checks=CHECKS,
        **case_kwargs,
    ) -> None:
        """prepare(case) runs inside the case's transaction (it may mint tokens); `during`
        is a context manager around the validated request only."""
        with self.subtests.test(msg=label), transaction.atomic():
            cache.clear()
            try:
                case = schema[path][method].Case(**case_kwargs)
                if prepare is not None:
                    prepare(case)
                with during or nullcontext():
                    response = case.call_and_validate(**CALL, checks=checks)
                self.statuses.setdefault(f"{method} {path}", set()).add(response.status_code)
            finally:
                transaction.set_rollback(True)


def test_every_credential_state_answers_as_the_schema_says(gatehouse, subtests):
    """Every kind of credential on every operation, beyond what generation happens to reach."""
    sender = Sender(subtests)
    for path, method in (("/api/whoami/", "GET"), ("/api/delete-token/", "DELETE")):
        for choice in Credentials.BEARER:
            sender.send(
                f"{method} {path} with {choice}",
                method,
                path,
                lambda case, choice=choice: gatehouse.apply_bearer(case, choice),
            )

    grants = {
        "authorization_code": lambda: {
            "grant_type": "authorization_code",
            "code": gatehouse.code(),
        },
        "refresh_token": lambda: {
            "grant_type": "refresh_token",
            "refresh_token": gatehouse.pair()["refresh_token"],
        },
        "client_credentials": lambda: {"grant_type": "client_credentials", "scope": "public"},
    }
    for grant, body in grants.items():
        for client in Credentials.CLIENT[1:]:
            for media_type in (FORM, MULTIPART):

                def prepare(case, body=body, client=client):
                    case.body = body()
                    gatehouse.apply_client(case, client)

                sender.send(
                    f"token: {grant}, client {client}, {media_type}",
                    "POST",
                    "/oauth/token/",
                    prepare,
                    body={},
                    media_type=media_type,
                )

    for path in ("/oauth/revoke", "/oauth/introspect"):
        for client in Credentials.CLIENT[1:]:
            for token in Credentials.TOKEN:

                def prepare(case, client=client, token=token):
                    gatehouse.apply_client(case, client)
                    gatehouse.apply_token(case, token)

                sender.send(
                    f"{path}: client {client}, token {token}",
                    "POST",
                    path,
                    prepare,
                    body={"token": "unknown"},
                    media_type=FORM,
                )

    assert sender.statuses == {
        "GET /api/whoami/": {200, 401, 403} if is_rfc() else {200, 403},
        "DELETE /api/delete-token/": {200, 401} if is_rfc() else {200, 403},
        "POST /oauth/token/": {200, 400, 401} if is_rfc() else {200, 400},
        "POST /oauth/revoke": {200, 401, 403},
        "POST /oauth/introspect": {200, 401},
    }


def test_app_registration_answers_as_the_schema_says(gatehouse, subtests, settings):
    sender = Sender(subtests)
    registration = {
        "client_name": "Schemathesis App",
        "redirect_uris": "https://example.com/callback",
        "scopes": "public email",
        "website": "https://example.com/",
    }
    for media_type in (JSON, FORM, MULTIPART):
        sender.send(
            f"register, {media_type}",
            "POST",
            "/api/v1/apps",
            body=registration,
            media_type=media_type,
        )
    as_list = {**registration, "redirect_uris": ["https://a.example/cb", "https://b.example/cb"]}
    sender.send("register, a list of URIs", "POST", "/api/v1/apps", body=as_list, media_type=JSON)
    for label, body in (
        ("a short name", {**registration, "client_name": "abc"}),
        ("an unknown scope", {**registration, "scopes": "admin"}),
        ("an http redirect URI", {**registration, "redirect_uris": "http://example.com/"}),
        ("no redirect URI", {**registration, "redirect_uris": ""}),
    ):
        sender.send(f"register, {label}", "POST", "/api/v1/apps", body=body, media_type=JSON)
    sender.send(
        "register, a taken name",
        "POST",
        "/api/v1/apps",
        lambda case: services.register_application(
            name="Schemathesis App", redirect_uris=[REDIRECT_URI], scopes=["public"]
        ),
        body=registration,
        media_type=JSON,
    )
    settings.OAUTHAPPS = {**settings.OAUTHAPPS, "APP_REGISTRATION_RATE": "1/h"}
    sender.send(
        "register, over the limit",
        "POST",
        "/api/v1/apps",
        lambda case: case.call(**CALL),  # the one allowed
        body=registration,
        media_type=JSON,
    )
    settings.OAUTHAPPS = {**settings.OAUTHAPPS, "APP_REGISTRATION_ENABLED": False}
    sender.send("register, turned off", "POST", "/api/v1/apps", body=registration, media_type=JSON)
    assert sender.statuses == {"POST /api/v1/apps": {200, 404, 422, 429}}


def test_limits_and_outages_answer_as_the_schema_says(gatehouse, subtests, settings):
    """429 (with Retry-After) and 503 (the database is gone) on every operation."""
    sender = Sender(subtests)
    token_body = {"grant_type": "client_credentials", **DEMO_BODY}
    wrong_client = {"token": "unknown", "client_id": DEMO_CLIENT_ID, "client_secret": "wrong"}
    settings.OAUTHAPPS = {
        **settings.OAUTHAPPS,
        "RATE_LIMITS": {**NO_RATE_LIMITS, "client_auth_failures_per_ip": "1/m"},
    }
    first = lambda case: case.call(**CALL)  # noqa: E731 - uses up the limit
    wrong_token_body = {**token_body, "client_secret": "wrong"}
    sender.send(
        "token, over the limit",
        "POST",
        "/oauth/token/",
        first,
        body=wrong_token_body,
        media_type=FORM,
    )
    for path in ("/oauth/revoke", "/oauth/introspect"):
        sender.send(
            f"{path}, over the limit", "POST", path, first, body=wrong_client, media_type=FORM
        )

    outage = OperationalError("could not connect to server")
    bearer = lambda case: gatehouse.apply_bearer(case, "person")  # noqa: E731
    for method, path, target, kwargs in (
        ("GET", "/api/whoami/", "selectors.find_access_token", {}),
        ("DELETE", "/api/delete-token/", "selectors.find_access_token", {}),
        ("POST", "/oauth/token/", "selectors.client_by_id", {"body": token_body}),
        ("POST", "/oauth/revoke", "selectors.client_by_id", {"body": wrong_client}),
        ("POST", "/oauth/introspect", "selectors.client_by_id", {"body": wrong_client}),
        (
            "POST",
            "/api/v1/apps",
            "services.register_application",
            {
                "body": {"client_name": "Outage App", "redirect_uris": REDIRECT_URI},
                "media_type": JSON,
            },
        ),
    ):
        if "body" in kwargs:
            kwargs.setdefault("media_type", FORM)
        sender.send(
            f"{method} {path}, database unreachable",
            method,
            path,
            bearer if path.startswith("/api/") and method != "POST" else None,
            mock.patch(f"oauthapps.{target}", side_effect=outage),
            # A 503 is the documented answer here, not a server error.
            checks=[check for check in CHECKS if check is not not_a_server_error],
            **kwargs,
        )
    assert {path: statuses for path, statuses in sender.statuses.items()} == {
        "POST /oauth/token/": {429, 503},
        "POST /oauth/revoke": {429, 503},
        "POST /oauth/introspect": {429, 503},
        "GET /api/whoami/": {503},
        "DELETE /api/delete-token/": {503},
        "POST /api/v1/apps": {503},
    }


def is_rfc() -> bool:
    return not is_contentdb()
