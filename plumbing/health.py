"""`GET /healthz`: whether this process can serve, for load balancers and orchestrators.

200 `{"status": "ok", "database": "ok", "cache": "ok"}` when a `SELECT 1` answers and a
key written to the cache reads back; otherwise 503 with the failing component marked
`"unavailable"` (and one log line naming it). No authentication, no session, no cookies;
`Cache-Control: no-store`. Exempt from the https redirect (SECURE_REDIRECT_EXEMPT) so a
balancer can probe the instance over plain http; its Host header must still be in
DJANGO_ALLOWED_HOSTS.
"""

from __future__ import annotations

import logging
import uuid

from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

log = logging.getLogger(__name__)

OK = "ok"
UNAVAILABLE = "unavailable"
# A probe's key lives only long enough to be read back.
CACHE_KEY_TIMEOUT = 10


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    # A key per probe: processes probing at the same moment cannot read each other's value.
    key = f"gatehouse:healthz:{uuid.uuid4().hex}"
    value = uuid.uuid4().hex
    cache.set(key, value, timeout=CACHE_KEY_TIMEOUT)
    if cache.get(key) != value:
        raise RuntimeError("the value written was not read back")


CHECKS = {"database": (check_database, DatabaseError), "cache": (check_cache, Exception)}


@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    results = {}
    for name, (check, errors) in CHECKS.items():
        try:
            check()
        except errors as exc:
            detail = " ".join(str(exc).split())[:200]
            log.error("Health check: %s unavailable: %s: %s", name, type(exc).__name__, detail)
            results[name] = UNAVAILABLE
        else:
            results[name] = OK
    healthy = all(result == OK for result in results.values())
    response = JsonResponse(
        {"status": OK if healthy else UNAVAILABLE, **results}, status=200 if healthy else 503
    )
    response["Cache-Control"] = "no-store"
    if not healthy:
        # Logged above with its cause: no second line from django.request.
        response._has_been_logged = True
    return response
