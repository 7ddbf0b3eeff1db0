"""Persistent database connections are health-checked only after they sat idle.

Django's CONN_HEALTH_CHECKS sends a `SELECT 1` before the first query of every request
on a reused connection: a round trip per request that a busy server does not need. Like
PgBouncer's `server_check_delay`, a connection used less than
`DATABASE_HEALTH_CHECK_IDLE_SECONDS` ago (1 s) is trusted without it; one idle longer is
checked first, so a database restarted while the site was quiet costs no request. If
the database restarts under load, the request that finds the connection broken is
answered 503 (the outage middleware) and Django drops the connection at the end of
that request; the next request opens a new one. Nothing needs a process restart.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import connections
from django.dispatch import receiver


def _idle_limit() -> float:
    return getattr(settings, "DATABASE_HEALTH_CHECK_IDLE_SECONDS", 1.0)


# Django's own close_old_connections receivers were connected when django.db was
# imported, before these: at request start it has just reset health_check_done.
@receiver(request_started, dispatch_uid="plumbing.db.trust_busy_connections")
def trust_busy_connections(**kwargs) -> None:
    now = time.monotonic()
    limit = _idle_limit()
    for connection in connections.all(initialized_only=True):
        last_used = getattr(connection, "_plumbing_last_used", None)
        if (
            connection.connection is not None
            and connection.health_check_enabled
            and last_used is not None
            and now - last_used < limit
        ):
            connection.health_check_done = True


@receiver(request_finished, dispatch_uid="plumbing.db.note_use")
def note_use(**kwargs) -> None:
    now = time.monotonic()
    for connection in connections.all(initialized_only=True):
        connection._plumbing_last_used = now
