"""The operations a bench run measures, in order: each floor before the endpoints it bounds.

Shared by bench/load.py (which hands them to bench/wrk.lua through the environment) and
bench/probe.py (one request of each through Django's test client, counting queries).
Bodies are form-encoded; "{value}" is a pool value, {client_id}/{client_secret} the
seeded application's credentials (all URL-safe base64, so nothing needs escaping).
"""

from __future__ import annotations

from dataclasses import dataclass

CLIENT = "client_id={client_id}&client_secret={client_secret}"


@dataclass(frozen=True)
class Op:
    key: str
    label: str
    method: str
    path: str
    body: str = ""
    auth: str = ""
    pool: str | None = None  # seeded values file (bench/seed.py): tokens, codes, refresh, revoke
    consume: bool = False  # each value works once
    expect: str = ""  # a Lua pattern (also a Python regex here) a 2xx body must contain
    floor: str | None = None  # the floor this operation is reported against
    target: float | None = None  # the target: requests/s at least target x floor
    bare: bool = False  # a floor: served by bare Django (bench/floor/), not by Gatehouse

    def fill(self, template: str, *, client_id: str, client_secret: str) -> str:
        return template.replace("{client_id}", client_id).replace("{client_secret}", client_secret)


OPS = [
    Op(
        "read_floor",
        "read floor",
        "GET",
        "/bench/read",
        auth="Bearer {value}",
        pool="tokens",
        expect='"expires"',
        bare=True,
    ),
    Op(
        "whoami",
        "whoami",
        "GET",
        "/api/whoami/",
        auth="Bearer {value}",
        pool="tokens",
        expect='"is_authenticated": *true',
        floor="read_floor",
        target=0.8,
    ),
    Op(
        "introspection",
        "introspection",
        "POST",
        "/oauth/introspect",
        body=CLIENT + "&token={value}",
        pool="tokens",
        expect='"active": *true',
        floor="read_floor",
        target=0.7,
    ),
    Op("insert_floor", "insert floor", "POST", "/bench/insert", expect='"id"', bare=True),
    Op(
        "client_credentials",
        "client_credentials",
        "POST",
        "/oauth/token/",
        body="grant_type=client_credentials&" + CLIENT,
        expect='"access_token"',
        floor="insert_floor",
        target=0.6,
    ),
    Op(
        "code_exchange",
        "code exchange",
        "POST",
        "/oauth/token/",
        body="grant_type=authorization_code&" + CLIENT + "&code={value}",
        pool="codes",
        consume=True,
        expect='"refresh_token"',
        floor="insert_floor",
        target=0.4,
    ),
    Op(
        "refresh",
        "refresh",
        "POST",
        "/oauth/token/",
        body="grant_type=refresh_token&" + CLIENT + "&refresh_token={value}",
        pool="refresh",
        consume=True,
        expect='"refresh_token"',
        floor="insert_floor",
        target=0.4,
    ),
    Op(
        "revocation",
        "revocation",
        "POST",
        "/oauth/revoke",
        body=CLIENT + "&token={value}",
        pool="revoke",
        consume=True,
        expect="^{}$",
        floor="insert_floor",
        target=0.4,
    ),
]

BY_KEY = {op.key: op for op in OPS}
