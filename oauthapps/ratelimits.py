"""Gatehouse's rate limits: which exist, what they count, and their rates.

The rates are settings (`OAUTHAPPS["RATE_LIMITS"]`, see oauthapps/conf.py); a rate of
None turns a limit off. The counting is plumbing/ratelimit.py's (Django's cache).

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

from django.http import HttpRequest

from oauthapps.conf import app_settings
from plumbing import ratelimit
from plumbing.ratelimit import ip_key

__all__ = ["check", "client_auth_failed", "hit", "ip_key"]


def _rate(limit: str) -> str | None:
    if limit == "app_registration_per_ip":  # its own, older setting
        return app_settings.APP_REGISTRATION_RATE
    return app_settings.RATE_LIMITS.get(limit)


def _limits(limits: tuple[tuple[str, str], ...]) -> list[ratelimit.Limit]:
    return [(f"gatehouse.{limit}", value, _rate(limit)) for limit, value in limits]


def hit(request: HttpRequest, *limits: tuple[str, str]) -> int | None:
    """Count one event against each (limit, key); seconds to wait if one is over its rate."""
    return ratelimit.hit(request, _limits(limits))


def check(request: HttpRequest, *limits: tuple[str, str]) -> int | None:
    """Without counting: seconds to wait if a (limit, key) already reached its rate."""
    return ratelimit.check(request, _limits(limits))


def client_auth_failed(request: HttpRequest, client_id: str | None) -> int | None:
    """Count a failed client authentication; the seconds to wait if it is over a limit."""
    address = ip_key(request)
    limits = [("client_auth_failures_per_ip", address)]
    if client_id:
        limits.append(("client_auth_failures_per_client_and_ip", f"{client_id[:200]}|{address}"))
    return hit(request, *limits)
