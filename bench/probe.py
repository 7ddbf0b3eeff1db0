"""Before the load: one request of each operation, counting its SQL queries. After: what
the database says the load did. Run by bench/run.py with the production settings.

    python -m bench.probe queries --dir DIR   # DIR/<op>.probe.txt: one value per pool
    python -m bench.probe verify --dir DIR    # rows the run redeemed, rotated, revoked

`queries` goes through Django's test client in this process (the same URLs, middleware
and settings as the gunicorn workers; not through gunicorn), so a request that fails
here stops the run before any load, with its status and body. Each operation is sent
twice and the second is counted: what Django executes (CaptureQueriesContext), as
`queries` (SELECT, INSERT, UPDATE, DELETE) and `statements` (with BEGIN/COMMIT); the
connection health check that CONN_HEALTH_CHECKS adds per request on a reused
connection is not among them.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

# Transaction control, which CaptureQueriesContext records too; "queries" leaves it out.
TRANSACTION = re.compile(r"^(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE SAVEPOINT)\b", re.I)


def _setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def queries(directory: Path) -> dict:
    _setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.ops import OPS

    meta = json.loads((directory / "seed.json").read_text())
    creds = {"client_id": meta["client_id"], "client_secret": meta["client_secret"]}
    # As wrk's requests: through a TLS-terminating proxy (DJANGO_SECURE_PROXY_SSL_HEADER=1).
    client = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
    results, failures = {}, []
    # Two passes: the first warms the process up (one-time lookups, as in a worker's first
    # request); the second is counted. A consumable pool gives each pass its own value.
    for counted in (False, True):
        for op in OPS:
            if op.bare:
                continue  # served by bench/floor/, not by Gatehouse
            value = ""
            if op.pool:
                value = (directory / f"{op.key}.probe.txt").read_text().split()[int(counted)]
            body = op.fill(op.body, **creds).replace("{value}", value)
            extra = {}
            if op.auth:
                extra["HTTP_AUTHORIZATION"] = op.auth.replace("{value}", value)
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                if op.method == "GET":
                    response = client.get(op.path, **extra)
                else:
                    response = client.post(
                        op.path, body, content_type="application/x-www-form-urlencoded", **extra
                    )
                elapsed = time.perf_counter() - start
            text = response.content.decode("utf-8", "replace")
            ok = 200 <= response.status_code < 300 and (not op.expect or re.search(op.expect, text))
            if not ok:
                failures.append(f"{op.label}: {response.status_code} {text[:300]}")
            if not counted:
                continue
            statements = [q["sql"] for q in captured.captured_queries]
            results[op.key] = {
                "status": response.status_code,
                "queries": sum(1 for q in statements if not TRANSACTION.match(q)),
                "statements": len(statements),
                "sql": [q[:160] for q in statements],
                "ms_in_process": round(elapsed * 1000, 2),
            }
    return {"probe": results, "failures": failures}


def verify(directory: Path) -> dict:
    _setup()
    from oauth2_provider.models import get_grant_model, get_refresh_token_model

    meta = json.loads((directory / "seed.json").read_text())
    Grant, RefreshToken = get_grant_model(), get_refresh_token_model()
    counts = {"codes_redeemed": Grant.objects.filter(redeemed_at__isnull=False).count()}
    for pool, key in (("refresh", "refresh_tokens_rotated"), ("revoke", "families_revoked")):
        bounds = meta["refresh_token_ranges"].get(pool)
        counts[key] = (
            RefreshToken.objects.filter(pk__range=bounds, revoked__isnull=False).count()
            if bounds
            else 0
        )
    return counts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.probe")
    parser.add_argument("command", choices=["queries", "verify"])
    parser.add_argument("--dir", type=Path, required=True)
    args = parser.parse_args(argv)
    result = queries(args.dir) if args.command == "queries" else verify(args.dir)
    print(json.dumps(result))
    if result.get("failures"):
        sys.exit(1)


if __name__ == "__main__":
    main()
