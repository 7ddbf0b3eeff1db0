"""`manage.py cleanup`: on a seeded database it removes exactly the rows it reports, in any
batch size, and leaves every live token, code and reuse detection working."""

import re
import threading
from datetime import timedelta
from io import StringIO
from unittest import mock, skipUnless

from django.core.management import CommandError, call_command
from django.db import OperationalError, connection, connections, transaction
from django.test import TransactionTestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from oauthapps.models import AccessToken, AuditEntry, Grant, IDToken, RefreshToken
from oauthapps.protocol.digests import digest
from tests.base import BaseTestCase, oauthapps_settings
from tests.world import create_world

MODELS = (AccessToken, RefreshToken, Grant, IDToken, AuditEntry)

EXPECTED_OUTPUT = [
    "access tokens: 3 expired",
    "refresh tokens: 2 expired, 1 orphaned",
    "authorization codes: 2 expired",
    "ID tokens: 2 expired",
    "audit entries: 2 older than 365 days",
]


def ids() -> dict[type, set[int]]:
    return {model: set(model.objects.values_list("pk", flat=True)) for model in MODELS}


def run(*args: str) -> list[str]:
    out = StringIO()
    call_command("cleanup", *args, stdout=out)
    return out.getvalue().splitlines()


class CleanupTestCase(BaseTestCase):
    """A database with a bit of everything, live and dead (see `seed`)."""

    def setUp(self):
        super().setUp()
        self.now = timezone.now()
        self.cc_app, self.cc_secret = self.add_app("service_app")
        self.expected = self.seed()

    # ---- helpers ----

    def pair(self) -> dict:
        """A fresh code exchanged for tokens: the response, plus the code under "code"."""
        code = self.get_code()
        response = self.exchange(code)
        assert response.status_code == 200, response.content
        return {**response.json(), "code": code}

    def access(self, token: str) -> AccessToken:
        return AccessToken.objects.get(token_checksum=digest(token))

    def refresh_row(self, token: str) -> RefreshToken:
        return RefreshToken.objects.get(token_checksum=digest(token))

    def grant(self, code: str) -> Grant:
        return Grant.objects.get(code=digest(code))

    def ago(self, **delta) -> timezone.datetime:
        return self.now - timedelta(**delta)

    def client_credentials_token(self) -> str:
        response = self.client.post(
            "/oauth/token/",
            {
                "grant_type": "client_credentials",
                "client_id": self.cc_app.client_id,
                "client_secret": self.cc_secret,
            },
        )
        assert response.status_code == 200, response.content
        return response.json()["access_token"]

    def whoami(self, token: str) -> int:
        return self.client.get("/api/whoami/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code

    def seed(self) -> dict[type, set[int]]:
        """Seed live and dead rows; returns the primary keys cleanup must remove."""
        week = timedelta(days=8)  # past REFRESH_TOKEN_EXPIRE_SECONDS (7 days)
        gone: dict[type, set[int]] = {model: set() for model in MODELS}

        # Live: a pair in use.
        self.live = self.pair()
        # Live: its access token expired an hour ago, its refresh token is live. The
        # access token stays (a refresh token without one is refused).
        self.stale = self.pair()
        AccessToken.objects.filter(pk=self.access(self.stale["access_token"]).pk).update(
            created=self.ago(hours=2), expires=self.ago(hours=1)
        )
        # Live: a family rotated once. The rotated-out refresh token (revoked a minute
        # ago, past the grace period) stays, so reusing it is still detected; so does
        # the access token the rotation retired, until it would have expired anyway.
        self.rotated_from = self.pair()
        self.rotated = self.refresh(self.rotated_from["refresh_token"]).json()
        RefreshToken.objects.filter(
            pk=self.refresh_row(self.rotated_from["refresh_token"]).pk
        ).update(revoked=self.ago(minutes=1))
        retired_access = self.access(self.rotated_from["access_token"])
        # Dead: a refresh token not used for 8 days, with its long-expired access token.
        dormant = self.pair()
        dormant_access = self.access(dormant["access_token"])
        dormant_refresh = self.refresh_row(dormant["refresh_token"])
        AccessToken.objects.filter(pk=dormant_access.pk).update(
            created=self.now - week, expires=self.now - week + timedelta(hours=1)
        )
        RefreshToken.objects.filter(pk=dormant_refresh.pk).update(created=self.now - week)
        gone[AccessToken].add(dormant_access.pk)
        gone[RefreshToken].add(dormant_refresh.pk)
        # Its code was redeemed and has expired: gone. The others' codes are redeemed
        # but unexpired: they stay, for replay detection.
        dormant_grant = self.grant(dormant["code"])
        Grant.objects.filter(pk=dormant_grant.pk).update(expires=self.ago(minutes=1))
        gone[Grant].add(dormant_grant.pk)
        # Dead: a refresh token rotated out 8 days after it was issued, and the access
        # token that rotation retired, issued 2 hours ago (past its lifetime). Their
        # successors (which name the old refresh token as their source) live on.
        old_first = self.pair()
        self.old_successor = self.refresh(old_first["refresh_token"]).json()
        old_refresh = self.refresh_row(old_first["refresh_token"])
        RefreshToken.objects.filter(pk=old_refresh.pk).update(created=self.now - week)
        gone[RefreshToken].add(old_refresh.pk)
        old_access = self.access(old_first["access_token"])
        AccessToken.objects.filter(pk=old_access.pk).update(created=self.ago(hours=2))
        gone[AccessToken].add(old_access.pk)
        # Dead: an orphan, whose access token was deleted out of band.
        orphan = self.pair()
        AccessToken.objects.filter(pk=self.access(orphan["access_token"]).pk).delete()
        gone[RefreshToken].add(self.refresh_row(orphan["refresh_token"]).pk)
        # Client credentials: one expired (gone), one live.
        expired_cc = self.access(self.client_credentials_token())
        AccessToken.objects.filter(pk=expired_cc.pk).update(
            created=self.ago(hours=1, seconds=1), expires=self.ago(seconds=1)
        )
        gone[AccessToken].add(expired_cc.pk)
        self.live_cc = self.client_credentials_token()
        # Codes never redeemed: one live, one expired (gone).
        self.unused_code = self.get_code()
        expired_code = self.grant(self.get_code())
        Grant.objects.filter(pk=expired_code.pk).update(expires=self.ago(seconds=1))
        gone[Grant].add(expired_code.pk)
        self.client.logout()

        # ID tokens: expired alone (gone); expired with a dead access token (gone, after
        # it); expired with a live or a kept access token (stay: removing one removes its
        # access token); unexpired (stays).
        def id_token(expires) -> IDToken:
            return IDToken.objects.create(
                user=self.alice, application=self.app, expires=expires, scope="openid"
            )

        gone[IDToken].add(id_token(self.ago(hours=1)).pk)
        with_dead_access = id_token(self.ago(hours=1))
        AccessToken.objects.filter(pk=dormant_access.pk).update(id_token=with_dead_access)
        gone[IDToken].add(with_dead_access.pk)
        with_live_access = id_token(self.ago(hours=1))
        AccessToken.objects.filter(pk=self.access(self.live["access_token"]).pk).update(
            id_token=with_live_access
        )
        with_retired_access = id_token(self.ago(hours=1))
        AccessToken.objects.filter(pk=retired_access.pk).update(id_token=with_retired_access)
        id_token(self.now + timedelta(hours=1))
        # Audit entries: two past the retention (gone), one just inside it.
        for age in (400, 366, 364):
            entry = AuditEntry.objects.create(action=AuditEntry.Action.APP_EDITED)
            AuditEntry.objects.filter(pk=entry.pk).update(created=self.ago(days=age))
            if age > 365:
                gone[AuditEntry].add(entry.pk)
        return gone

    def assert_removed_exactly_the_expected_rows(self, before, after) -> None:
        for model in MODELS:
            self.assertEqual(before[model] - after[model], self.expected[model], model.__name__)
            self.assertEqual(after[model] - before[model], set(), model.__name__)

    # ---- tests ----

    def test_a_dry_run_reports_the_counts_and_removes_nothing(self):
        before = ids()
        output = run("--dry-run")
        self.assertEqual(
            output, [*EXPECTED_OUTPUT, "total: 12 to remove (dry run: nothing was removed)"]
        )
        self.assertEqual(ids(), before)

    def test_it_removes_exactly_the_rows_it_reports(self):
        dry = run("--dry-run")
        before = ids()
        output = run()
        self.assertEqual(output, [*EXPECTED_OUTPUT, "total: 12 removed"])
        self.assertEqual(output[:-1], dry[:-1])
        self.assert_removed_exactly_the_expected_rows(before, ids())
        # Nothing is left to remove.
        self.assertEqual(run()[-1], "total: 0 removed")

    def test_batches_of_two_give_the_same_result(self):
        before = ids()
        output = run("--batch-size", "2")
        self.assertEqual(output, [*EXPECTED_OUTPUT, "total: 12 removed"])
        self.assert_removed_exactly_the_expected_rows(before, ids())

    def test_each_statement_removes_at_most_a_batch(self):
        with CaptureQueriesContext(connection) as queries:
            run("--batch-size", "2")
        deletes = [q["sql"] for q in queries if q["sql"].startswith("DELETE")]
        # 3 + 2 + 1 + 2 + 2 + 2 rows in batches of 2.
        self.assertEqual(len(deletes), 2 + 1 + 1 + 1 + 1 + 1)
        for sql in deletes:
            ids_in = re.search(r" IN \(([^)]*)\)", sql).group(1).split(",")
            self.assertLessEqual(len(ids_in), 2, sql)

    def test_live_tokens_codes_and_reuse_detection_still_work(self):
        run()
        self.assertEqual(self.whoami(self.live["access_token"]), 200)
        self.assertEqual(self.whoami(self.rotated["access_token"]), 200)
        self.assertEqual(self.whoami(self.old_successor["access_token"]), 200)
        self.assertEqual(self.whoami(self.live_cc), 200)
        # The pair whose access token had expired refreshes.
        self.assertEqual(self.refresh(self.stale["refresh_token"]).status_code, 200)
        self.assertEqual(self.refresh(self.live["refresh_token"]).status_code, 200)
        # The successor of a removed (8-day-old) refresh token refreshes.
        self.assertEqual(self.refresh(self.old_successor["refresh_token"]).status_code, 200)
        # An unused code is exchanged; a redeemed unexpired one is still recognised as
        # a replay and revokes what it issued.
        self.assertEqual(self.exchange(self.unused_code).status_code, 200)
        self.assertEqual(self.exchange(self.live["code"]).status_code, 400)
        self.assertEqual(self.whoami(self.live["access_token"]), 403)
        self.assertTrue(AuditEntry.objects.filter(action=AuditEntry.Action.CODE_REPLAY).exists())
        # Reusing the kept rotated-out refresh token revokes its family.
        self.assertEqual(self.refresh(self.rotated_from["refresh_token"]).status_code, 400)
        self.assertEqual(self.whoami(self.rotated["access_token"]), 403)
        self.assertEqual(self.refresh(self.rotated["refresh_token"]).status_code, 400)
        self.assertTrue(AuditEntry.objects.filter(action=AuditEntry.Action.REFRESH_REUSE).exists())

    @oauthapps_settings(AUDIT_RETENTION_DAYS=None)
    def test_audit_entries_are_kept_forever_without_a_retention(self):
        before = ids()[AuditEntry]
        output = run()
        self.assertNotIn("audit entries", "\n".join(output))
        self.assertEqual(output[-1], "total: 10 removed")
        self.assertEqual(ids()[AuditEntry], before)

    @oauthapps_settings(AUDIT_RETENTION_DAYS=365 * 2)
    def test_the_retention_is_a_setting(self):
        self.assertIn("audit entries: 0 older than 730 days", run("--dry-run"))

    def test_it_refuses_a_batch_size_below_one(self):
        with self.assertRaisesMessage(CommandError, "--batch-size must be at least 1."):
            run("--batch-size", "0")


@skipUnless(connection.vendor == "postgresql", "row locks: PostgreSQL only (SQLite has none)")
class CleanupGivesWayTestCase(TransactionTestCase):
    """A batch that meets a row a request holds waits half a second, then tries again."""

    def test_it_waits_for_a_locked_row_and_removes_it_afterwards(self):
        world = create_world()
        grant = Grant.objects.create(
            user=world.alice,
            application=world.app,
            code=digest("locked-code"),
            expires=timezone.now() - timedelta(minutes=1),
            redirect_uri="https://example.com/cb",
        )
        locked, release = threading.Event(), threading.Event()

        def hold_the_row() -> None:
            try:
                with transaction.atomic():
                    Grant.objects.select_for_update().get(pk=grant.pk)
                    locked.set()
                    release.wait(10)
            finally:
                connections.close_all()

        holder = threading.Thread(target=hold_the_row)
        holder.start()
        self.assertTrue(locked.wait(10))
        pauses = []

        def pause(seconds: float) -> None:
            pauses.append(seconds)
            release.set()  # the request finishes while the clean-up waits

        with mock.patch("oauthapps.management.commands.cleanup.time.sleep", pause):
            output = run()
        holder.join(10)
        self.assertEqual(len(pauses), 1)
        self.assertIn("authorization codes: 1 expired", output)
        self.assertFalse(Grant.objects.filter(pk=grant.pk).exists())


class CleanupProgressTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        app, _ = self.make_app(owner=self.alice, name="Progress app")
        old = timezone.now() - timedelta(days=30)
        for n in range(3):
            AccessToken.objects.create(
                user=self.alice,
                application=app,
                token=digest(f"expired-{n}"),
                expires=old,
                scope="public",
            )
        AccessToken.objects.filter(application=app).update(created=old)

    def test_it_reports_progress_per_batch_on_stderr(self):
        out, err = StringIO(), StringIO()
        call_command("cleanup", "--batch-size", "2", stdout=out, stderr=err)
        self.assertEqual(
            err.getvalue().splitlines(),
            [
                "access tokens (expired): 2 removed so far",
                "access tokens (expired): 3 removed so far",
            ],
        )
        self.assertIn("total: 3 removed", out.getvalue())

    def test_a_failure_part_way_reports_what_was_removed_and_stops_with_one_line(self):
        from oauthapps.management.commands.cleanup import Command

        real_delete = Command.delete
        calls = []

        def failing_delete(command, targets, label):
            calls.append(label)
            if len(calls) == 2:
                raise OperationalError("server closed the connection unexpectedly")
            return real_delete(command, targets, label)

        out, err = StringIO(), StringIO()
        with (
            mock.patch.object(Command, "delete", failing_delete),
            self.assertRaises(CommandError) as caught,
        ):
            call_command("cleanup", "--batch-size", "2", stdout=out, stderr=err)
        self.assertEqual(
            str(caught.exception),
            "Stopped while removing access tokens (expired): OperationalError: "
            "server closed the connection unexpectedly. Run cleanup again to go on.",
        )
        self.assertIn("access tokens: 2 expired", out.getvalue())
        self.assertIn("total: 2 removed before the failure", out.getvalue())
        # The first batch stays removed.
        self.assertEqual(AccessToken.objects.count(), 1)
