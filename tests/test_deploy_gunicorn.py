"""docs/deploy.md's Deploy section, run: its commands against a fresh PostgreSQL database and
the local Redis, then gunicorn with config/gunicorn.py, and OAuth flows through it.

The commands are read from docs/deploy.md ("## Deploy": the `manage.py migrate`,
`collectstatic` and `check --deploy` lines and the `gunicorn` line) and run exactly as
written, in subprocesses, with a production environment: config.settings (not the test
settings), DEBUG off, a random secret key, a PostgreSQL DATABASE_URL and a REDIS_URL.
As behind a TLS-terminating proxy, every request carries `X-Forwarded-Proto: https` and
DJANGO_SECURE_PROXY_SSL_HEADER=1 is set. Everything talks to 127.0.0.1 only.

The flows: client credentials (an application from `manage.py createapp
--client-credentials`); authorization code through the login form and the consent page
(CSRF and Secure cookies as a browser would), the exchange, whoami, refresh and
revocation. Then: a hashed static file is served by WhiteNoise, rate-limit counters are
in Redis, every log line is one JSON object (LOG_FORMAT=json), and no secret, token, code
or password appears anywhere in gunicorn's output.

Skipped unless DATABASE_URL names PostgreSQL (CI's PostgreSQL run covers it) and Redis
answers at REDIS_TEST_URL (redis://127.0.0.1:6379/5 by default; in CI, no Redis fails).
"""

from __future__ import annotations

import html
import json
import os
import re
import secrets
import shlex
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from unittest import skipUnless
from urllib.parse import parse_qs, urlencode, urlsplit

import redis
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import SimpleTestCase

BASE_DIR = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/5")
HOST = "127.0.0.1"
REDIRECT_URI = "https://client.example/callback"
COMMAND_TIMEOUT = 180
START_TIMEOUT = 60
REQUEST_TIMEOUT = 15

# Which docs/deploy.md lines this test runs, in this order.
DEPLOY_STEPS = (
    ".venv/bin/python manage.py migrate",
    ".venv/bin/python manage.py collectstatic",
    ".venv/bin/python manage.py check --deploy",
    ".venv/bin/gunicorn ",
)


def readme_deploy_commands(text: str) -> list[str]:
    """The commands of DEPLOY_STEPS, as docs/deploy.md's Deploy section writes them."""
    match = re.search(r"^## Deploy\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    if match is None:
        raise AssertionError("docs/deploy.md has no '## Deploy' section")
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", match.group(1), re.S):
        lines += block.replace("\\\n", " ").splitlines()
    commands = []
    for step in DEPLOY_STEPS:
        found = [line.split("  #")[0].strip() for line in lines if line.startswith(step)]
        if len(found) != 1:
            raise AssertionError(f"docs/deploy.md's Deploy section: one `{step.strip()} …` line")
        commands.append(found[0])
    return commands


def is_postgres(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://", "pgsql://"))


def reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        socket.create_connection((parts.hostname, parts.port or default_port), timeout=2).close()
    except OSError:
        return False
    return True


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def form_value(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, f"no {name} in the page"
    return html.unescape(found.group(1))


@skipUnless(
    is_postgres(DATABASE_URL),
    "needs PostgreSQL (DATABASE_URL=postgres://…); CI's PostgreSQL run covers it",
)
# In CI (CI=true) a missing Redis fails the test instead of skipping it.
@skipUnless(
    reachable(REDIS_TEST_URL, 6379) or os.environ.get("CI") == "true",
    f"needs Redis at {REDIS_TEST_URL}",
)
class GunicornDeployTestCase(SimpleTestCase):
    """One gunicorn, started once for the class from docs/deploy.md's commands."""

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.commands = readme_deploy_commands((BASE_DIR / "docs" / "deploy.md").read_text())
        workdir = tempfile.TemporaryDirectory()
        cls.addClassCleanup(workdir.cleanup)
        cls.workdir = Path(workdir.name)
        cls.must_not_log: list[str] = []  # every secret, token, code and password
        cls.create_database()
        cls.port = free_port()
        cls.base = f"http://{HOST}:{cls.port}"
        cls.https = f"https://{HOST}:{cls.port}"  # what the browser sees, before the proxy
        cls.env = cls.production_environment()
        for command in cls.commands[:-1]:  # migrate, collectstatic, check --deploy
            cls.run_command(shlex.split(command))
        cls.admin_password = secrets.token_urlsafe(16)
        cls.must_not_log.append(cls.admin_password)
        cls.run_command(
            [".venv/bin/python", "manage.py", "createsuperuser", "--noinput"],
            DJANGO_SUPERUSER_USERNAME="admin",
            DJANGO_SUPERUSER_EMAIL="admin@example.org",
            DJANGO_SUPERUSER_PASSWORD=cls.admin_password,
        )
        cls.web_app = cls.create_app("--title", "Deploy Web App", "--redirect-uri", REDIRECT_URI)
        cls.service_app = cls.create_app(
            "--title", "Deploy Service", "--redirect-uri", REDIRECT_URI, "--client-credentials"
        )
        cls.start_gunicorn(shlex.split(cls.commands[-1]))

    # ---- set-up, in subprocesses ----

    @classmethod
    def create_database(cls) -> None:
        import psycopg

        parts = urlsplit(DATABASE_URL)
        name = f"{parts.path.lstrip('/') or 'gatehouse'}_smoke"
        assert re.fullmatch(r"\w+", name), name
        admin_url = parts._replace(path="/postgres").geturl()

        def execute(sql: str) -> None:
            with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as conn:
                conn.execute(sql)

        execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        execute(f'CREATE DATABASE "{name}"')
        cls.addClassCleanup(execute, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cls.database_url = parts._replace(path=f"/{name}").geturl()

    @classmethod
    def production_environment(cls) -> dict[str, str]:
        settings_prefixes = (
            "DJANGO_", "DATABASE_", "REDIS_", "OAUTH_", "OIDC_", "LOG_", "GUNICORN_", "EMAIL_",
        )  # fmt: skip
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(settings_prefixes)
            and k not in ("PORT", "WEB_CONCURRENCY", "TRUSTED_PROXIES", "FORWARDED_ALLOW_IPS")
        }
        secret_key = secrets.token_urlsafe(50)
        cls.must_not_log.append(secret_key)
        # The ID token signing key, as a mounted secret file.
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        key_file = cls.workdir / "oidc.pem"
        key_file.write_text(pem)
        key_file.chmod(0o600)
        cls.must_not_log.append(pem.splitlines()[1])
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings",
            DJANGO_SECRET_KEY=secret_key,
            DJANGO_ALLOWED_HOSTS=HOST,
            DATABASE_URL=cls.database_url,
            REDIS_URL=REDIS_TEST_URL,
            OIDC_RSA_PRIVATE_KEY_FILE=str(key_file),
            DJANGO_SECURE_PROXY_SSL_HEADER="1",
            # Where collectstatic writes: a temporary folder, not the checkout's.
            DJANGO_STATIC_ROOT=str(cls.workdir / "static"),
            # Loopback only (docs/deploy.md's default listens on every interface).
            GUNICORN_BIND=f"{HOST}:{cls.port}",
            GUNICORN_WORKERS="2",
            LOG_FORMAT="json",
        )
        return env

    @classmethod
    def run_command(cls, args: list[str], **extra_env: str) -> str:
        result = subprocess.run(
            args,
            cwd=BASE_DIR,
            env={**cls.env, **extra_env},
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
        )
        output = result.stdout + result.stderr
        assert result.returncode == 0, f"{shlex.join(args)} failed:\n{output}"
        if "check" in args:
            assert "System check identified no issues" in output, output
        return result.stdout

    @classmethod
    def create_app(cls, *args: str) -> dict:
        output = cls.run_command(
            [".venv/bin/python", "manage.py", "createapp", "--owner", "admin", *args]
        )
        app = json.loads(output)
        cls.must_not_log.append(app["client_secret"])
        return app

    @classmethod
    def start_gunicorn(cls, args: list[str]) -> None:
        cls.stdout_path = cls.workdir / "gunicorn.out"
        cls.stderr_path = cls.workdir / "gunicorn.err"
        with open(cls.stdout_path, "wb") as out, open(cls.stderr_path, "wb") as err:
            cls.server = subprocess.Popen(
                args,
                cwd=BASE_DIR,
                env=cls.env,
                stdout=out,
                stderr=err,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: the workers stop with it
            )
        cls.addClassCleanup(cls.stop_gunicorn)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if cls.server.poll() is not None:
                raise AssertionError(f"gunicorn exited ({cls.server.returncode}):\n{cls.logs()}")
            try:
                if requests.get(f"{cls.base}/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.25)
        raise AssertionError(f"/healthz not 200 within {START_TIMEOUT} s:\n{cls.logs()}")

    @classmethod
    def stop_gunicorn(cls) -> None:
        if cls.server.poll() is None:
            os.killpg(cls.server.pid, signal.SIGTERM)  # graceful: master and workers
            try:
                cls.server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(cls.server.pid, signal.SIGKILL)
                cls.server.wait(timeout=10)

    @classmethod
    def logs(cls) -> str:
        return cls.stdout_path.read_text() + cls.stderr_path.read_text()

    # ---- requests, as a browser behind a TLS-terminating proxy ----

    def session(self) -> requests.Session:
        session = requests.Session()
        session.headers["X-Forwarded-Proto"] = "https"
        return session

    def send(self, session, method: str, path: str, headers=None, **kwargs):
        # The proxy terminated TLS, so the cookies are Secure and a browser sends them;
        # requests would not over http: the Cookie header is written here.
        headers = dict(headers or {})
        if session.cookies:
            headers["Cookie"] = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
        return session.request(
            method,
            self.base + path,
            headers=headers,
            allow_redirects=False,
            timeout=REQUEST_TIMEOUT,
            **kwargs,
        )

    def get(self, session, path: str, **kwargs):
        return self.send(session, "GET", path, **kwargs)

    def post(self, session, path: str, data: dict, **kwargs):
        return self.send(session, "POST", path, data=data, **kwargs)

    def browser_headers(self, page: str) -> dict[str, str]:
        """What a browser sends with a form on `page`: its origin and the page."""
        return {"Origin": f"https://{HOST}:{self.port}", "Referer": self.https + page}

    def keep_secret(self, *values: str) -> None:
        type(self).must_not_log.extend(v for v in values if v)

    def token_request(self, session, app: dict, **params: str):
        credentials = {"client_id": app["client_id"], "client_secret": app["client_secret"]}
        return self.post(session, "/oauth/token/", {**params, **credentials})

    def whoami(self, session, token: str):
        return self.get(session, "/api/whoami/", headers={"Authorization": f"Bearer {token}"})

    # ---- the tests ----

    def test_1_health_and_static_files(self):
        api = self.session()
        health = self.get(api, "/healthz", headers={"X-Forwarded-Proto": None})
        self.assertEqual(health.status_code, 200)
        self.assertEqual(health.json(), {"status": "ok", "database": "ok", "cache": "ok"})
        # Plain http elsewhere is sent to https; the health check is not.
        plain = self.get(api, "/", headers={"X-Forwarded-Proto": None})
        self.assertEqual(plain.status_code, 301)
        self.assertEqual(plain.headers["Location"], f"https://{HOST}:{self.port}/")

        home = self.get(api, "/")
        self.assertEqual(home.status_code, 200)
        self.assertIn("max-age=31536000", home.headers["Strict-Transport-Security"])
        stylesheet = re.search(r'href="(/static/gatehouse\.[0-9a-f]{12}\.css)"', home.text)
        self.assertIsNotNone(stylesheet, "the page names the hashed stylesheet")
        css = self.get(api, stylesheet.group(1), headers={"Accept-Encoding": "gzip"})
        self.assertEqual(css.status_code, 200)
        self.assertTrue(css.headers["Content-Type"].startswith("text/css"))
        self.assertIn("immutable", css.headers["Cache-Control"])  # WhiteNoise, hashed name
        self.assertEqual(css.headers.get("Content-Encoding"), "gzip")
        self.assertEqual(self.get(api, "/static/no-such-file.css").status_code, 404)

    def test_2_client_credentials(self):
        api = self.session()
        app = self.service_app
        response = self.token_request(api, app, grant_type="client_credentials")
        self.assertEqual(response.status_code, 200, response.text)
        token = response.json()["access_token"]
        self.keep_secret(token)
        self.assertNotIn("refresh_token", response.json())
        whoami = self.whoami(api, token)
        self.assertEqual(whoami.status_code, 200)
        self.assertEqual(whoami.json()["is_authenticated"], False)
        self.assertEqual(whoami.json()["application"]["client_id"], app["client_id"])
        # A token in a query string is not accepted, and (test_4) never logged.
        self.assertNotIn("application", self.get(api, f"/api/whoami/?access_token={token}").json())

    def authorize(self, browser, authorize: str, consent_page: str) -> str:
        """Press Authorize on the consent page; returns the code from the redirect."""
        response = self.post(
            browser,
            authorize,
            {
                "csrfmiddlewaretoken": form_value(consent_page, "csrfmiddlewaretoken"),
                "authorize": "1",
            },
            headers=self.browser_headers(authorize),
        )
        self.assertEqual(response.status_code, 302, response.text[:500])
        location = response.headers["Location"]
        self.assertTrue(location.startswith(REDIRECT_URI + "?"), location)
        code = parse_qs(urlsplit(location).query)["code"][0]
        self.keep_secret(code)
        return code

    def test_3_authorization_code_refresh_and_revocation(self):
        browser = self.session()
        app = self.web_app
        authorize = "/oauth/authorize/?" + urlencode(
            {"response_type": "code", "client_id": app["client_id"], "redirect_uri": REDIRECT_URI}
        )
        # Not signed in: to the login page (CSRF-protected form), and back.
        response = self.get(browser, authorize)
        self.assertEqual(response.status_code, 302)
        login_url = response.headers["Location"]
        self.assertTrue(login_url.startswith("/accounts/login/"), login_url)
        page = self.get(browser, login_url)
        self.assertEqual(page.status_code, 200)
        response = self.post(
            browser,
            "/accounts/login/",
            {
                "csrfmiddlewaretoken": form_value(page.text, "csrfmiddlewaretoken"),
                "username": "admin",
                "password": self.admin_password,
                "next": form_value(page.text, "next"),
            },
            headers=self.browser_headers(login_url),
        )
        self.assertEqual(response.status_code, 302, response.text[:500])
        self.assertEqual(response.headers["Location"], authorize)
        self.keep_secret(*browser.cookies.values())  # the session and CSRF cookies
        # The consent page, and Authorize.
        consent = self.get(browser, authorize)
        self.assertEqual(consent.status_code, 200)
        self.assertIn("Deploy Web App", consent.text)
        code = self.authorize(browser, authorize, consent.text)

        # The client's side: exchange, whoami, refresh, revoke.
        client = self.session()
        response = self.token_request(client, app, grant_type="authorization_code", code=code)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.headers["Cache-Control"], "no-store")
        first = response.json()
        self.keep_secret(first["access_token"], first["refresh_token"])
        whoami = self.whoami(client, first["access_token"])
        self.assertEqual(whoami.status_code, 200)
        self.assertEqual(whoami.json()["username"], "admin")
        refreshed = self.token_request(
            client, app, grant_type="refresh_token", refresh_token=first["refresh_token"]
        )
        self.assertEqual(refreshed.status_code, 200, refreshed.text)
        second = refreshed.json()
        self.keep_secret(second["access_token"], second["refresh_token"])
        self.assertNotEqual(second["refresh_token"], first["refresh_token"])
        self.assertEqual(self.whoami(client, second["access_token"]).status_code, 200)
        credentials = {"client_id": app["client_id"], "client_secret": app["client_secret"]}
        revoked = self.post(
            client, "/oauth/revoke", {"token": second["refresh_token"], **credentials}
        )
        self.assertEqual(revoked.status_code, 200, revoked.text)
        self.assertEqual(revoked.json(), {})
        self.assertEqual(self.whoami(client, second["access_token"]).status_code, 403)

        # A code works once; its replay revokes what it issued (the row lock and the
        # family revocation, on PostgreSQL through gunicorn's workers).
        code = self.authorize(browser, authorize, self.get(browser, authorize).text)
        tokens = self.token_request(client, app, grant_type="authorization_code", code=code)
        self.assertEqual(tokens.status_code, 200, tokens.text)
        self.keep_secret(tokens.json()["access_token"], tokens.json()["refresh_token"])
        again = self.token_request(client, app, grant_type="authorization_code", code=code)
        self.assertEqual(again.status_code, 400)
        self.assertEqual(again.json()["error"], "Incorrect code. It may have already been redeemed")
        self.assertEqual(self.whoami(client, tokens.json()["access_token"]).status_code, 403)

        # Rate limits are counted in Redis, shared by every worker and machine.
        keys = redis.Redis.from_url(REDIS_TEST_URL, socket_timeout=5).keys("*")
        self.assertTrue(any(b"rl:" in key for key in keys), keys[:10])

    def test_4_logs_are_json_lines_without_secrets(self):
        # Runs last (unittest sorts by name): every request above has been logged.
        time.sleep(0.5)  # access log lines are written after the response
        logs = self.logs()
        lines = [line for line in logs.splitlines() if line.strip()]
        self.assertGreater(len(lines), 10)
        events = []
        for line in lines:
            try:
                events.append(json.loads(line))
            except json.JSONDecodeError:
                self.fail(f"not one JSON object: {line[:300]}")
        for event in events:
            self.assertEqual(
                set(event) - {"status", "exc", "stack"},
                {"time", "level", "logger", "process", "message"},
                event,
            )
        access = [e["message"] for e in events if e["logger"] == "gunicorn.access"]
        self.assertTrue(any('"GET /healthz HTTP/1.1" 200' in m for m in access), access[:5])
        self.assertTrue(any('"POST /oauth/token/ HTTP/1.1" 200' in m for m in access))
        self.assertTrue(any('"GET /api/whoami/ HTTP/1.1"' in m for m in access))
        self.assertFalse([m for m in access if "?" in m], "no query string in the access log")
        for value in self.must_not_log:
            self.assertGreater(len(value), 6)
            self.assertNotIn(value, logs)
        self.assertNotIn("Bearer", logs)
        self.assertNotIn("client_secret", logs)

    def test_5_cleanup_runs_against_the_deployment(self):
        output = self.run_command([".venv/bin/python", "manage.py", "cleanup", "--dry-run"])
        self.assertRegex(output, r"total: \d+ to remove \(dry run: nothing was removed\)")
        output = self.run_command([".venv/bin/python", "manage.py", "cleanup"])
        self.assertRegex(output, r"total: \d+ removed")


class ReadmeDeployCommandsTestCase(SimpleTestCase):
    """The commands the live test runs are in docs/deploy.md's Deploy section, once each."""

    def test_the_readme_has_the_deploy_commands(self):
        commands = readme_deploy_commands((BASE_DIR / "docs" / "deploy.md").read_text())
        self.assertEqual(len(commands), len(DEPLOY_STEPS))
        self.assertIn("config/gunicorn.py", commands[-1])
