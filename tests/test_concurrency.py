"""Races on the real token and revocation endpoints, on PostgreSQL, with real threads.

A live server (one thread per request, each with its own database connection) takes
20 simultaneous requests released together by a barrier. SQLite serialises every write
at the file level and ignores SELECT ... FOR UPDATE, so these run on PostgreSQL only
(CI runs the suite on both databases).
"""

import threading
import unittest
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlsplit

import requests
from django.db import connection
from django.test import LiveServerTestCase, override_settings

from oauthapps import services
from oauthapps.models import AccessToken
from tests.base import WorldMixin, live_access_tokens, live_refresh_tokens, oauthapps_settings
from tests.world import REDIRECT_URI

THREADS = 20


@unittest.skipUnless(connection.vendor == "postgresql", "row locks need PostgreSQL")
@override_settings(SESSION_COOKIE_SECURE=False, CSRF_COOKIE_SECURE=False)
class ConcurrencyTestCase(WorldMixin, LiveServerTestCase):
    """alice signs in to Alice's App (tests/world.py)."""

    def setUp(self):
        super().setUp()
        self.http = requests.Session()
        self.addCleanup(self.http.close)

    def code(self) -> str:
        self.client.force_login(self.alice)
        query = f"response_type=code&client_id={self.app.client_id}&redirect_uri={REDIRECT_URI}"
        response = self.client.post(f"/oauth/authorize/?{query}", {"authorize": "1"})
        return parse_qs(urlsplit(response["Location"]).query)["code"][0]

    def post(self, path: str, data: dict) -> requests.Response:
        data = {"client_id": self.app.client_id, "client_secret": self.secret, **data}
        return self.http.post(f"{self.live_server_url}{path}", data=data, timeout=60)

    def pair(self) -> dict:
        response = self.post(
            "/oauth/token/", {"grant_type": "authorization_code", "code": self.code()}
        )
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()

    def race(self, *calls) -> list[requests.Response]:
        """Run the calls at once: each thread waits at a barrier, then sends its request."""
        barrier = threading.Barrier(len(calls))

        def run(call):
            session = requests.Session()
            try:
                barrier.wait(timeout=30)
                return call(session)
            finally:
                session.close()

        with ThreadPoolExecutor(max_workers=len(calls)) as pool:
            return list(pool.map(run, calls))

    def sender(self, path: str, data: dict):
        data = {"client_id": self.app.client_id, "client_secret": self.secret, **data}
        url = f"{self.live_server_url}{path}"
        return lambda session: session.post(url, data=data, timeout=60)

    def statuses(self, responses) -> Counter:
        return Counter(r.status_code for r in responses)

    def test_it_redeems_one_code_once_among_20_simultaneous_requests(self):
        code = self.code()
        send = self.sender("/oauth/token/", {"grant_type": "authorization_code", "code": code})
        responses = self.race(*[send] * THREADS)

        self.assertEqual(self.statuses(responses), {200: 1, 400: THREADS - 1})
        for r in responses:
            if r.status_code == 400:
                self.assertEqual(
                    r.json()["error"], "Incorrect code. It may have already been redeemed"
                )
        # The 19 replays revoke what the one redemption issued (RFC 9700 §4.5).
        self.assertEqual(live_access_tokens().count(), 0)
        self.assertEqual(live_refresh_tokens().count(), 0)
        self.assertEqual(AccessToken.objects.count(), 0)

    @oauthapps_settings(REFRESH_TOKEN_REUSE_GRACE_SECONDS=10)  # the client's own racing requests
    def test_it_rotates_one_refresh_token_once_among_20_simultaneous_requests(self):
        first = self.pair()
        send = self.sender(
            "/oauth/token/",
            {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        )
        responses = self.race(*[send] * THREADS)

        self.assertEqual(self.statuses(responses), {200: 1, 400: THREADS - 1})
        winner = next(r.json() for r in responses if r.status_code == 200)
        self.assertEqual(live_access_tokens().count(), 1)
        self.assertEqual(live_refresh_tokens().count(), 1)
        whoami = self.http.get(
            f"{self.live_server_url}/api/whoami/",
            headers={"Authorization": f"Bearer {winner['access_token']}"},
        )
        self.assertEqual(whoami.json()["username"], "alice")
        after = self.post(
            "/oauth/token/",
            {"grant_type": "refresh_token", "refresh_token": winner["refresh_token"]},
        )
        self.assertEqual(after.status_code, 200)

    def test_it_leaves_nothing_live_when_revocation_races_a_refresh(self):
        outcomes = Counter()
        for round_ in range(10):
            for hint_token in ("refresh_token", "access_token"):
                with self.subTest(round=round_, revoked=hint_token):
                    pair = self.pair()
                    refresh = self.sender(
                        "/oauth/token/",
                        {"grant_type": "refresh_token", "refresh_token": pair["refresh_token"]},
                    )
                    revoke = self.sender("/oauth/revoke", {"token": pair[hint_token]})
                    refreshed, revoked = self.race(refresh, revoke)

                    self.assertEqual(revoked.status_code, 200, revoked.text)
                    self.assertIn(refreshed.status_code, (200, 400), refreshed.text)
                    outcomes[(hint_token, refreshed.status_code)] += 1
                    self.assertEqual(live_access_tokens().count(), 0)
                    self.assertEqual(live_refresh_tokens().count(), 0)
        print(f"\nrevocation vs refresh outcomes: {dict(outcomes)}")

    def test_it_leaves_nothing_live_when_the_person_revokes_during_20_refreshes(self):
        first = self.pair()
        send = self.sender(
            "/oauth/token/",
            {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        )

        def revoke_authorization(session):
            services.revoke_authorization(user=self.alice, application=self.app)
            connection.close()

        responses = self.race(*[send] * THREADS, revoke_authorization)
        self.assertNotIn(500, self.statuses(responses[:-1]))
        self.assertEqual(live_access_tokens().count(), 0)
        self.assertEqual(live_refresh_tokens().count(), 0)
