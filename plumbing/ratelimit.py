"""Rate-limit counting in Django's cache, with django-ratelimit's fixed windows.

With `REDIS_URL` set the cache is Redis, so every process and machine shares the
counters; otherwise they live in each process's memory. Callers name a group, a key and
a rate ("10/m"); a rate of None turns the limit off. Which limits exist and their rates
belong to the product (oauthapps/ratelimits.py); here is only the counting.

- `hit` counts an event against each limit;
- `check` counts nothing and says whether a limit has already been reached.
Both return the seconds until the window resets (for Retry-After) or None.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from django.http import HttpRequest
from django_ratelimit import ALL
from django_ratelimit.core import get_usage

from plumbing.proxy import client_ip

# (group, key, rate): rate like "10/m", or None for no limit.
Limit = tuple[str, str, str | None]


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


def _usage(request: HttpRequest, limit: Limit, *, increment: bool) -> dict | None:
    group, value, rate = limit
    if not rate:
        return None
    return get_usage(
        request,
        group=group,
        key=lambda group, request: value,
        rate=rate,
        method=ALL,
        increment=increment,
    )


def _wait(usage: dict) -> int:
    return max(1, int(usage["time_left"]))


def hit(request: HttpRequest, limits: Iterable[Limit]) -> int | None:
    """Count one event against each limit; seconds to wait if one is over its rate."""
    waits = []
    for limit in limits:
        usage = _usage(request, limit, increment=True)
        if usage is not None and usage["should_limit"]:
            waits.append(_wait(usage))
    return max(waits) if waits else None


def check(request: HttpRequest, limits: Iterable[Limit]) -> int | None:
    """Without counting: seconds to wait if a limit has already reached its rate."""
    waits = []
    for limit in limits:
        usage = _usage(request, limit, increment=False)
        if usage is not None and usage["count"] >= usage["limit"]:
            waits.append(_wait(usage))
    return max(waits) if waits else None
