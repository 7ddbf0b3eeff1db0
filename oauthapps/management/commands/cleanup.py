"""Remove what can never be used again, in short batches, and report what was removed.

`manage.py cleanup [--dry-run] [--batch-size N]` removes:

- access tokens that have expired and are past their natural lifetime (created more
  than ACCESS_TOKEN_EXPIRE_SECONDS ago), unless a live refresh token still points at
  one. A live refresh token needs its access token (Gatehouse refuses a refresh token
  whose access token is gone, see oauthapps/protocol/validators.py), so that pair stays until
  the refresh token is used, revoked or expires. An access token retired early by a
  rotation stays until it would have expired anyway: its client may still revoke it
  until then, and that revocation finds the family through it;
- refresh tokens past their lifetime (created more than REFRESH_TOKEN_EXPIRE_SECONDS
  ago), revoked or not. A rotated-out (revoked) refresh token is kept until then on
  purpose: presenting it again is how reuse is detected and its family revoked. After
  its lifetime it is refused as unknown, as it would be refused as expired;
- orphaned refresh tokens: not revoked, but their access token is gone (deleted out of
  band); Gatehouse already refuses them;
- authorization codes that have expired, redeemed or not (a redeemed code is kept until
  then to recognise a replay);
- ID tokens that have expired and whose access token is gone or removed in this run;
- audit entries older than OAUTHAPPS["AUDIT_RETENTION_DAYS"] days (None keeps them).

Every row is removed in batches of `--batch-size` primary keys, each batch in its own
short transaction that checks the condition again, so the command can run against
millions of rows, alongside the live site, without holding locks for long (200,000
rows on the local PostgreSQL: 15 s). On PostgreSQL a batch waits at most half a
second for a row a token request holds (`lock_timeout`), then gives way and is tried
again a moment later, so in a lock conflict it is the clean-up that yields, not the
request.

`--dry-run` counts the same rows without removing anything. The output is one line per
kind and a total; on an unchanged database the dry run and the real run print the same
counts. Progress goes to stderr, a line per batch ("access tokens (expired): 2000
removed so far"). If the database fails part-way, what was removed so far is reported
(it stays removed: each batch is committed) and the command exits with one line.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, OperationalError, connection, models, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from oauth2_provider.models import (
    get_access_token_model,
    get_grant_model,
    get_id_token_model,
    get_refresh_token_model,
)
from oauth2_provider.settings import oauth2_settings

from oauthapps.conf import app_settings
from oauthapps.models import AuditEntry

DEFAULT_BATCH_SIZE = 10_000
# On PostgreSQL: how long a batch waits for a row lock before giving way, and how often.
LOCK_TIMEOUT_MS = 500
ATTEMPTS = 5


@dataclass
class Kind:
    """One thing to remove: a label for the summary, a model and the rows' condition."""

    group: str
    label: str
    model: type[models.Model]
    condition: Q


def kinds(now: datetime) -> list[Kind]:
    """What the command removes, in order, as of `now`."""
    AccessToken = get_access_token_model()
    RefreshToken = get_refresh_token_model()
    Grant = get_grant_model()
    IDToken = get_id_token_model()

    access_cutoff = now - timedelta(seconds=oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS)
    refresh_cutoff = now - timedelta(seconds=oauth2_settings.REFRESH_TOKEN_EXPIRE_SECONDS)
    live_refresh = RefreshToken.objects.filter(revoked__isnull=True, created__gt=refresh_cutoff)
    needed_by_refresh = Exists(live_refresh.filter(access_token=OuterRef("pk")))
    dead_access = Q(expires__lte=now, created__lte=access_cutoff) & ~needed_by_refresh
    kept_access = AccessToken.objects.filter(~dead_access)

    result = [
        Kind("access tokens", "expired", AccessToken, dead_access),
        Kind("refresh tokens", "expired", RefreshToken, Q(created__lte=refresh_cutoff)),
        Kind(
            "refresh tokens",
            "orphaned",
            RefreshToken,
            Q(created__gt=refresh_cutoff, revoked__isnull=True, access_token__isnull=True),
        ),
        Kind("authorization codes", "expired", Grant, Q(expires__lte=now)),
        # Removing an ID token removes its access token too (CASCADE): only when that
        # access token is gone, or goes in this run.
        Kind(
            "ID tokens",
            "expired",
            IDToken,
            Q(expires__lte=now) & ~Exists(kept_access.filter(id_token=OuterRef("pk"))),
        ),
    ]
    days = app_settings.AUDIT_RETENTION_DAYS
    if days is not None:
        result.append(
            Kind(
                "audit entries",
                f"older than {days} days",
                AuditEntry,
                Q(created__lt=now - timedelta(days=days)),
            )
        )
    return result


class Command(BaseCommand):
    help = (
        "Remove expired and revoked tokens, expired codes and old audit entries, in "
        "batches; print how many of each."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Count what would be removed; remove nothing.",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help=f"Rows per statement and transaction (default {DEFAULT_BATCH_SIZE}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        batch_size, dry_run = options["batch_size"], options["dry_run"]
        self.verbosity = options["verbosity"]
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        now = timezone.now()
        self.total = 0
        self.groups: dict[str, list[str]] = {}
        for kind in kinds(now):
            if dry_run:
                count = kind.model._default_manager.filter(kind.condition).count()
            else:
                self.removing = 0
                try:
                    count = self.remove(kind, batch_size)
                except DatabaseError as exc:
                    self.stop_part_way(kind, exc)
            self.count(kind, count)
        self.summary()
        if dry_run:
            self.stdout.write(f"total: {self.total} to remove (dry run: nothing was removed)")
        else:
            self.stdout.write(f"total: {self.total} removed")

    def count(self, kind: Kind, count: int) -> None:
        self.total += count
        self.groups.setdefault(kind.group, []).append(f"{count} {kind.label}")

    def summary(self) -> None:
        for group, counts in self.groups.items():
            self.stdout.write(f"{group}: {', '.join(counts)}")

    def stop_part_way(self, kind: Kind, exc: DatabaseError) -> NoReturn:
        """What was removed before the failure (it stays removed), then one line."""
        self.count(kind, self.removing)
        self.summary()
        self.stdout.write(f"total: {self.total} removed before the failure")
        detail = " ".join(str(exc).split())[:200]
        raise CommandError(
            f"Stopped while removing {kind.group} ({kind.label}): "
            f"{type(exc).__name__}: {detail}. Run cleanup again to go on."
        )

    def remove(self, kind: Kind, batch_size: int) -> int:
        """Remove the kind's rows, `batch_size` primary keys at a time; returns how many.

        Each batch is its own transaction and is reported on stderr as it ends (verbosity
        1 and up), so a long run shows its progress and a failure loses nothing already
        removed."""
        manager = kind.model._default_manager
        label = kind.model._meta.label
        last_pk = None
        while True:
            rows = manager.filter(kind.condition).order_by("pk")
            if last_pk is not None:
                rows = rows.filter(pk__gt=last_pk)
            batch = list(rows.values_list("pk", flat=True)[:batch_size])
            if not batch:
                return self.removing
            last_pk = batch[-1]
            # The condition is checked again: a row that changed since is left alone.
            targets = manager.filter(kind.condition, pk__in=batch)
            self.removing += self.delete(targets, label)
            if self.verbosity >= 1:  # on stderr: stdout keeps the report alone
                self.stderr.write(
                    f"{kind.group} ({kind.label}): {self.removing} removed so far",
                    style_func=str,
                )

    def delete(self, targets: models.QuerySet, label: str) -> int:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                with transaction.atomic():
                    if connection.vendor == "postgresql":
                        with connection.cursor() as cursor:
                            cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT_MS}ms'")
                    _, per_model = targets.delete()
                return per_model.get(label, 0)
            except OperationalError:  # lock_timeout, or chosen as a deadlock's victim
                if attempt == ATTEMPTS:
                    raise
                time.sleep(0.2 * attempt)
        return 0  # not reached
