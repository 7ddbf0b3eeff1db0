"""Database outage: the JSON endpoints answer 503 in their own shape (no HTML, no traceback)
and recover by themselves once the database is back.

- SimulatedOutageTests (every database): the connection refuses every query, as a dead
  server does; shapes, headers, logging, pages, and the same requests succeeding after.
- PostgresOutageTests (PostgreSQL only): a live server talks to PostgreSQL through a TCP
  proxy in this process; stopping the proxy is the outage, starting it again on the same
  port is the recovery, with per-request and with persistent (CONN_MAX_AGE=60) connections.
"""

import base64
import contextlib
import socket
import threading
import time
from unittest import mock, skipUnless
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.contrib.messages.middleware import MessageMiddleware
from django.db import IntegrityError, OperationalError, connection, connections
from django.test import Client, LiveServerTestCase, override_settings

from tests.base import REDIRECT_URI, BaseTestCase, WorldMixin, query_of, rfc_dialect

MESSAGE = "The service is temporarily unavailable, try again shortly"
CONTENTDB_BODY = {"success": False, "error": MESSAGE}
RFC_BODY = {"error": "temporarily_unavailable", "error_description": MESSAGE}


def endpoint_requests(app, secret, *, access, refresh, app_token):
    """Every JSON endpoint that needs the database: (method, path, form, headers, shape).

    "dialect": the configured dialect's shape; "rfc": the RFC shape in every dialect.
    In this order, every request succeeds once when the database is up.
    """
    client = {"client_id": app.client_id, "client_secret": secret}
    return [
        ("GET", "/api/whoami/", None, {"Authorization": f"Bearer {access}"}, "dialect"),
        ("POST", "/oauth/introspect", {"token": access, **client}, {}, "rfc"),
        ("POST", "/oauth/revoke", {"token": "no-such-token", **client}, {}, "rfc"),
        (
            "POST",
            "/api/v1/apps",
            {"client_name": "Outage Registration", "redirect_uris": "https://c.example/cb"},
            {},
            "dialect",
        ),
        ("DELETE", "/api/delete-token/", None, {"Authorization": f"Bearer {app_token}"}, "dialect"),
        ("POST", "/oauth/token", {"grant_type": "client_credentials", **client}, {}, "dialect"),
        (
            "POST",
            "/api/oauth2/token",
            {"grant_type": "client_credentials", **client},
            {},
            "dialect",
        ),
        (
            "POST",
            "/oauth/token/",
            {"grant_type": "refresh_token", "refresh_token": refresh, **client},
            {},
            "dialect",
        ),
    ]


class OutageAssertions:
    def assert_outage(self, response, shape: str, *, dialect: str = "contentdb") -> None:
        self.assertEqual(response.status_code, 503, response.content)
        self.assertEqual(response.headers["Content-Type"], "application/json")
        self.assertEqual(response.headers["Retry-After"], "5")
        self.assertEqual(response.headers["Cache-Control"], "no-store")
        rfc = shape == "rfc" or dialect == "rfc6749"
        self.assertEqual(response.json(), RFC_BODY if rfc else CONTENTDB_BODY)

    def assert_outage_page(self, response) -> None:
        self.assertEqual(response.status_code, 503)
        self.assertTrue(response.headers["Content-Type"].startswith("text/html"))
        self.assertEqual(response.headers["Retry-After"], "5")
        self.assertEqual(response.headers["Cache-Control"], "no-store")
        page = response.content.decode()
        self.assertIn("Temporarily unavailable", page)
        self.assertNotIn("Traceback", page)
        self.assertNotIn("Error", page)


# ---- every database: the connection refuses every query -------------------------------


@contextlib.contextmanager
def database_down(alias: str = "default"):
    """Every query and every new connection fails as it does when the server is gone.

    The driver's own OperationalError, so Django wraps it (and notes the error on the
    connection) exactly as for a real outage.
    """
    db = connections[alias]

    def refuse(*args, **kwargs):
        raise db.Database.OperationalError("connection refused: is the server running?")

    with (
        mock.patch.object(db, "create_cursor", side_effect=refuse),
        mock.patch.object(db, "get_new_connection", side_effect=refuse),
    ):
        yield


class SimulatedOutageTests(OutageAssertions, BaseTestCase):
    def setUp(self):
        super().setUp()
        self.app.allow_client_credentials = True
        self.app.save()
        issued = self.exchange(self.get_code()).json()
        self.client.logout()
        self.access, self.refresh = issued["access_token"], issued["refresh_token"]
        self.app_token = self.client.post(
            "/oauth/token/",
            {
                "grant_type": "client_credentials",
                "client_id": self.app.client_id,
                "client_secret": self.secret,
            },
        ).json()["access_token"]
        self.requests = endpoint_requests(
            self.app,
            self.secret,
            access=self.access,
            refresh=self.refresh,
            app_token=self.app_token,
        )

    def send(self, method, path, form, headers):
        if method == "POST":
            return self.client.post(path, form, headers=headers)
        return self.client.generic(method, path, headers=headers)

    def test_json_endpoints_answer_503_in_their_shape_and_recover(self):
        with self.assertLogs("plumbing.outage", "ERROR") as logs, database_down():
            for method, path, form, headers, shape in self.requests:
                with self.subTest(path=path):
                    self.assert_outage(self.send(method, path, form, headers), shape)
        self.assertEqual(len(logs.records), len(self.requests))
        for method, path, form, headers, _ in self.requests:
            with self.subTest(path=path):
                response = self.send(method, path, form, headers)
                self.assertEqual(response.status_code, 200, response.content)

    def test_the_rfc_dialect_answers_temporarily_unavailable(self):
        with rfc_dialect(), self.assertLogs("plumbing.outage", "ERROR"), database_down():
            for method, path, form, headers, shape in self.requests:
                with self.subTest(path=path):
                    response = self.send(method, path, form, headers)
                    self.assert_outage(response, shape, dialect="rfc6749")
                    self.assertNotIn("WWW-Authenticate", response.headers)

    def test_userinfo_answers_503_in_the_rfc_shape(self):
        self.app.allowed_scopes = "openid public"
        self.app.save()
        token = self.exchange(self.get_code(scope="openid public")).json()["access_token"]
        self.client.logout()
        with self.assertLogs("plumbing.outage", "ERROR"), database_down():
            response = self.client.get(
                "/oauth/userinfo/", headers={"Authorization": f"Bearer {token}"}
            )
        self.assert_outage(response, "rfc")

    def test_metadata_needs_no_database(self):
        with database_down():
            response = self.client.get("/.well-known/oauth-authorization-server")
        self.assertEqual(response.status_code, 200)
        self.assertIn("token_endpoint", response.json())

    def test_it_answers_json_even_with_debug_on(self):
        with (
            override_settings(DEBUG=True),
            self.assertLogs("plumbing.outage", "ERROR"),
            database_down(),
        ):
            for method, path, form, headers, shape in self.requests[:2]:
                self.assert_outage(self.send(method, path, form, headers), shape)

    def test_pages_answer_a_plain_503_page(self):
        self.client.force_login(self.alice)
        with self.assertLogs("plumbing.outage", "ERROR"), database_down():
            self.assert_outage_page(self.client.get("/user/apps/"))
            self.assert_outage_page(
                self.client.post("/accounts/login/", {"username": "bob", "password": "password"})
            )
        self.assertEqual(self.client.get("/user/apps/").status_code, 200)

    def test_it_logs_one_line_without_secrets(self):
        basic = "Basic " + base64.b64encode(f"{self.app.client_id}:{self.secret}".encode()).decode(
            "ascii"
        )
        with (
            self.assertNoLogs("django.request", "WARNING"),
            self.assertLogs("plumbing.outage", "ERROR") as logs,
            database_down(),
        ):
            self.client.post(
                "/oauth/token/?code=secret-in-query",
                {"grant_type": "refresh_token", "refresh_token": self.refresh},
                headers={"Authorization": basic},
            )
            self.client.get("/api/whoami/", headers={"Authorization": f"Bearer {self.access}"})
        self.assertEqual(len(logs.records), 2)
        for record in logs.records:
            line = record.getMessage()
            self.assertEqual(record.levelname, "ERROR")
            self.assertIsNone(record.exc_info)
            self.assertNotIn("\n", line)
            self.assertIn("Database unavailable", line)
            self.assertIn("OperationalError", line)
            for secret in (self.secret, self.refresh, self.access, basic, "secret-in-query"):
                self.assertNotIn(secret, line)
        self.assertIn("POST /oauth/token/", logs.records[0].getMessage())

    def test_it_catches_errors_raised_by_other_middleware(self):
        # Django turns an exception raised inside a middleware into a 500 response on the
        # spot; the outage middleware, outside it, replaces that 500 with the 503. (Machine
        # endpoints run no middleware inside their guard: plumbing/machine.py.)
        client = Client(raise_request_exception=False)
        failure = OperationalError("server closed the connection unexpectedly")
        with (
            mock.patch.object(MessageMiddleware, "process_response", side_effect=failure),
            self.assertLogs("django.request", "ERROR"),
            self.assertLogs("plumbing.outage", "ERROR"),
        ):
            self.assert_outage_page(client.get("/accounts/login/"))
            self.assert_outage_page(client.get("/user/apps/"))
        self.assertEqual(client.get("/accounts/login/").status_code, 200)

    def test_machine_endpoints_do_not_run_the_browser_middleware(self):
        # The same broken message middleware does not touch whoami or revocation at all.
        client = Client(raise_request_exception=False)
        failure = OperationalError("server closed the connection unexpectedly")
        with mock.patch.object(MessageMiddleware, "process_response", side_effect=failure):
            self.assertEqual(client.get("/api/whoami/").status_code, 200)
            self.assertEqual(client.post("/oauth/revoke", {"token": "x"}).status_code, 403)

    def test_other_database_errors_stay_errors(self):
        with (
            mock.patch(
                "oauthapps.protocol.bearer.BearerTokenAuthentication.authenticate",
                side_effect=IntegrityError("duplicate key value"),
            ),
            self.assertRaises(IntegrityError),
        ):
            self.client.get("/api/whoami/", headers={"Authorization": f"Bearer {self.access}"})


# ---- PostgreSQL: a real server behind a proxy that goes away ------------------------------


class TcpProxy:
    """A TCP proxy in threads. stop() closes the listening socket and every open connection
    (clients then see the server vanish, new connections are refused); start() listens
    again on the same port."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.port = 0
        self.accepted = 0
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self._acceptor: threading.Thread | None = None
        self._stopping = threading.Event()

    def start(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(32)
        listener.settimeout(0.1)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._stopping = threading.Event()
        self._acceptor = threading.Thread(
            target=self._accept, args=(listener, self._stopping), daemon=True
        )
        self._acceptor.start()

    def stop(self) -> None:
        if self._listener is None:
            return
        self._stopping.set()
        self._acceptor.join()
        self._listener.close()
        self._listener = None
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener: socket.socket, stopping: threading.Event) -> None:
        while not stopping.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                server = socket.create_connection(self.upstream, timeout=5)
                server.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self.accepted += 1
                self._sockets += [client, server]
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        for sock in (source, target):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


@skipUnless(
    connection.vendor == "postgresql",
    "needs a database server to lose: a TCP proxy in front of PostgreSQL is stopped and "
    "restarted (SimulatedOutageTests covers the shapes on SQLite)",
)
@override_settings(SESSION_COOKIE_SECURE=False, CSRF_COOKIE_SECURE=False)
class PostgresOutageTests(OutageAssertions, WorldMixin, LiveServerTestCase):
    """alice and Alice's App (tests/world.py), allowed client credentials."""

    world_changes = {"app": {"allow_client_credentials": True}}

    def setUp(self):
        super().setUp()  # with an empty cache: the app registration rate limit
        # The person's consent and browser session, straight through the test database.
        self.client.force_login(self.alice)
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.app.client_id,
                "redirect_uri": REDIRECT_URI,
                "scope": "public email",
            }
        )
        response = self.client.post(f"/oauth/authorize/?{query}", {"authorize": "1"})
        self.code = query_of(response["Location"])["code"][0]
        self.session_cookie = self.client.cookies[settings.SESSION_COOKIE_NAME].value

    def route_through_proxy(self, *, max_age: int, health_checks: bool) -> TcpProxy:
        """Point every new connection (the live server's threads) at a proxy to PostgreSQL."""
        db = connection.settings_dict
        # The live server's threads build their connections from this very dict.
        self.assertIs(connections.settings["default"], db)
        saved = {key: db[key] for key in ("HOST", "PORT", "CONN_MAX_AGE", "CONN_HEALTH_CHECKS")}

        def restore():
            db.update(saved)
            connection.close()  # in case this thread's connection went through the proxy

        self.addCleanup(restore)
        proxy = TcpProxy((db["HOST"] or "localhost", int(db["PORT"] or 5432)))
        proxy.start()
        self.addCleanup(proxy.stop)
        db.update(
            HOST="127.0.0.1",
            PORT=proxy.port,
            CONN_MAX_AGE=max_age,
            CONN_HEALTH_CHECKS=health_checks,
        )
        return proxy

    def outage_and_recovery(self, *, max_age: int, health_checks: bool) -> None:
        proxy = self.route_through_proxy(max_age=max_age, health_checks=health_checks)
        http = requests.Session()  # keep-alive: one server thread, so one DB connection
        self.addCleanup(http.close)
        base = self.live_server_url
        http.cookies.set(settings.SESSION_COOKIE_NAME, self.session_cookie)
        client = {"client_id": self.app.client_id, "client_secret": self.secret}

        # Tokens are issued normally, through the proxy.
        response = http.post(
            f"{base}/oauth/token/",
            {"grant_type": "authorization_code", "code": self.code, **client},
        )
        self.assertEqual(response.status_code, 200, response.text)
        issued = response.json()
        response = http.post(f"{base}/oauth/token/", {"grant_type": "client_credentials", **client})
        self.assertEqual(response.status_code, 200, response.text)
        app_token = response.json()["access_token"]
        self.assertEqual(http.get(f"{base}/user/apps/").status_code, 200)
        if max_age:
            self.assertEqual(proxy.accepted, 1, "persistent: one connection for every request")
        else:
            self.assertGreater(proxy.accepted, 1)

        calls = endpoint_requests(
            self.app,
            self.secret,
            access=issued["access_token"],
            refresh=issued["refresh_token"],
            app_token=app_token,
        )

        def send(method, path, form, headers):
            return http.request(method, f"{base}{path}", data=form, headers=headers, timeout=30)

        proxy.stop()
        with self.assertLogs("plumbing.outage", "ERROR") as logs:
            for method, path, form, headers, shape in calls:
                with self.subTest("outage", path=path):
                    self.assert_outage(send(method, path, form, headers), shape)
            self.assert_outage_page(http.get(f"{base}/user/apps/"))
        self.assertEqual(len(logs.records), len(calls) + 1)
        response = http.get(f"{base}/.well-known/oauth-authorization-server")
        self.assertEqual(response.status_code, 200)

        proxy.start()  # same port; nothing else is restarted
        accepted = proxy.accepted
        for method, path, form, headers, _ in calls:
            with self.subTest("recovered", path=path):
                response = send(method, path, form, headers)
                self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(http.get(f"{base}/user/apps/").status_code, 200)
        if max_age:
            self.assertEqual(proxy.accepted - accepted, 1, "one new persistent connection")

    def test_it_recovers_with_a_connection_per_request(self):
        self.outage_and_recovery(max_age=0, health_checks=True)

    def test_it_recovers_with_persistent_connections(self):
        self.outage_and_recovery(max_age=60, health_checks=True)

    def test_it_recovers_with_persistent_connections_without_health_checks(self):
        self.outage_and_recovery(max_age=60, health_checks=False)

    def test_a_restart_while_the_site_is_quiet_costs_no_request(self):
        # The database restarts while the persistent connection sits idle: the health
        # check, run on a connection idle longer than DATABASE_HEALTH_CHECK_IDLE_SECONDS,
        # notices the dead connection and the request reconnects transparently.
        proxy, http, whoami, bearer = self.signed_in_through_proxy()
        proxy.stop()
        proxy.start()
        time.sleep(settings.DATABASE_HEALTH_CHECK_IDLE_SECONDS + 0.2)
        self.assertEqual(http.get(whoami, headers=bearer).json()["username"], "alice")
        self.assertEqual(proxy.accepted, 2)

    def test_a_restart_under_load_costs_at_most_one_request_and_heals(self):
        # A connection used a moment ago is trusted without the health check's round
        # trip (plumbing/db.py). If the request finds it dead, it answers 503 in its shape
        # and Django drops the connection; either way the next request is served on a new
        # connection, with nothing restarted.
        proxy, http, whoami, bearer = self.signed_in_through_proxy()
        proxy.stop()
        proxy.start()
        first = http.get(whoami, headers=bearer)
        self.assertIn(first.status_code, (200, 503), first.text)
        if first.status_code == 503:
            self.assertEqual(first.json()["error"], MESSAGE)
        for _ in range(3):
            self.assertEqual(http.get(whoami, headers=bearer).json()["username"], "alice")
        self.assertEqual(proxy.accepted, 2)

    def signed_in_through_proxy(self):
        proxy = self.route_through_proxy(max_age=60, health_checks=True)
        http = requests.Session()
        self.addCleanup(http.close)
        client = {"client_id": self.app.client_id, "client_secret": self.secret}
        url = f"{self.live_server_url}/oauth/token/"
        response = http.post(url, {"grant_type": "authorization_code", "code": self.code, **client})
        self.assertEqual(response.status_code, 200, response.text)
        whoami = f"{self.live_server_url}/api/whoami/"
        bearer = {"Authorization": f"Bearer {response.json()['access_token']}"}
        self.assertEqual(http.get(whoami, headers=bearer).status_code, 200)
        self.assertEqual(proxy.accepted, 1)
        return proxy, http, whoami, bearer
