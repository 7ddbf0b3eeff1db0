"""The client's address behind reverse proxies (opt-in: the TRUSTED_PROXIES setting).

Rate limits and the audit log read `REMOTE_ADDR`. Behind a load balancer that is the
balancer's address, so every client would share one rate-limit bucket (one person's
failed logins would lock everyone out) and the audit log would name the balancer.

With `TRUSTED_PROXIES` (environment variable: comma-separated addresses or networks,
e.g. `10.0.0.0/8,192.168.1.5`), a request whose `REMOTE_ADDR` is one of them gets its
`REMOTE_ADDR` from `X-Forwarded-For`: walking the header from the right (each proxy
appends the address it received the request from), the first address that is not a
trusted proxy is the client. Entries to its left are whatever the client sent and are
ignored, so a client cannot choose its address by sending the header itself. A request
from any other address keeps its `REMOTE_ADDR`.

Without the setting the middleware removes itself (MiddlewareNotUsed) and the header is
never read. It runs first, so every other middleware and view sees the client's address.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, MiddlewareNotUsed
from django.http import HttpRequest, HttpResponse

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_networks(values: list[str]) -> list[Network]:
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"TRUSTED_PROXIES: {value!r} is not an IP address or network."
            ) from None
    return networks


def parse_address(value: str) -> Address | None:
    """An address from an X-Forwarded-For entry: `1.2.3.4`, `1.2.3.4:80`, `::1`, `[::1]:80`."""
    value = value.strip()
    if value.startswith("["):
        value = value[1:].partition("]")[0]
    elif value.count(":") == 1:  # IPv4 with a port
        value = value.partition(":")[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def client_address(remote_addr: str, forwarded_for: str, trusted: list[Network]) -> str:
    """The client's address: `remote_addr`, or from `forwarded_for` if a trusted proxy sent it."""

    def is_trusted(address: Address | None) -> bool:
        return address is not None and any(address in network for network in trusted)

    current = parse_address(remote_addr)
    if not is_trusted(current):
        return remote_addr
    client = remote_addr
    for entry in reversed(forwarded_for.split(",")):
        address = parse_address(entry)
        if address is None:  # garbage: nothing further left can be believed
            break
        client = str(address)
        if not is_trusted(address):
            break
    return client


class TrustedProxyMiddleware:
    def __init__(self, get_response) -> None:
        self.trusted = parse_networks(getattr(settings, "TRUSTED_PROXIES", []))
        if not self.trusted:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        forwarded_for = request.META.get("HTTP_X_FORWARDED_FOR")
        if forwarded_for:
            remote_addr = request.META.get("REMOTE_ADDR", "")
            request.META["REMOTE_ADDR"] = client_address(remote_addr, forwarded_for, self.trusted)
        return self.get_response(request)


def client_ip(request: HttpRequest | None) -> str | None:
    """The address the request came from (the proxy's, behind a proxy; see the README)."""
    if request is None:
        return None
    meta = getattr(request, "META", None)
    if meta is None:  # an oauthlib request: DOT copies META into its headers
        meta = getattr(request, "headers", None) or {}
    return meta.get("REMOTE_ADDR") or None
