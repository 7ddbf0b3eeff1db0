"""Rate limits, counted in Django's cache with django-ratelimit's fixed windows.

With `REDIS_URL` set the cache is Redis, so every process and machine shares the
counters; otherwise they live in each process's memory. The rates are settings
(`OAUTHAPPS["RATE_LIMITS"]`, see oauthapps/conf.py); a rate of None turns a limit off.

Two kinds of limit:
- `hit` counts every request (login attempts, sign-ups, app registrations);
- `check` + `hit` count only failures (failed logins per username): `check` before the
  attempt refuses once the failures in the window reach the limit, `hit` after a
  failure counts it.
Both return the seconds until the window resets (for Retry-After) or None.

Client authentication (token, revocation, introspection) is limited by its failures
only, counted after the secret was checked: a request whose client authenticates is
never refused and never touches the counters, at any rate (a busy backend from one
address is a client, not an attacker). A failure is counted per address and per
(client_id, address); once either is over its rate, failures answer 429 instead of 401.
Counting per (client_id, address) rather than per client_id means an attacker sending
wrong secrets for a client from one address cannot lock out that client elsewhere. The
limits bound the noise a guessing client makes; the secret itself is protected by its
256 random bits, which no rate of guessing comes near.
"""

from __future__ import annotations

import ipaddress

from django.http import HttpRequest
from django_ratelimit import ALL
from django_ratelimit.core import get_usage

from oauthapps.audit import client_ip
from oauthapps.conf import app_settings


def ip_key(request: HttpRequest) -> str:
    """The client's address; IPv6 clients are counted per /64, as one host usually holds one."""
    address = client_ip(request) or ""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address)
    return str(ip)


def _usage(request: HttpRequest, limit: str, value: str, *, increment: bool) -> dict | None:
    if limit == "app_registration_per_ip":  # its own, older setting
        rate = app_settings.APP_REGISTRATION_RATE
    else:
        rate = app_settings.RATE_LIMITS.get(limit)
    if not rate:
        return None
    return get_usage(
        request,
        group=f"gatehouse.{limit}",
        key=lambda group, request: value,
        rate=rate,
        method=ALL,
        increment=increment,
    )


def _wait(usage: dict) -> int:
    return max(1, int(usage["time_left"]))


def hit(request: HttpRequest, *limits: tuple[str, str]) -> int | None:
    """Count one event against each (limit, key); seconds to wait if one is over its rate."""
    waits = []
    for limit, value in limits:
        usage = _usage(request, limit, value, increment=True)
        if usage is not None and usage["should_limit"]:
            waits.append(_wait(usage))
    return max(waits) if waits else None


def check(request: HttpRequest, *limits: tuple[str, str]) -> int | None:
    """Without counting: seconds to wait if a (limit, key) already reached its rate."""
    waits = []
    for limit, value in limits:
        usage = _usage(request, limit, value, increment=False)
        if usage is not None and usage["count"] >= usage["limit"]:
            waits.append(_wait(usage))
    return max(waits) if waits else None


def client_auth_failed(request: HttpRequest, client_id: str | None) -> int | None:
    """Count a failed client authentication; the seconds to wait if it is over a limit."""
    address = ip_key(request)
    limits = [("client_auth_failures_per_ip", address)]
    if client_id:
        limits.append(("client_auth_failures_per_client_and_ip", f"{client_id[:200]}|{address}"))
    return hit(request, *limits)
