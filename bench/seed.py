"""Create, seed and drop the bench database. Run by bench/run.py, with production settings.

    python -m bench.seed create-db        # PostgreSQL: DROP (if it exists) and CREATE
    python -m bench.seed seed --tokens N --pool P --out DIR
    python -m bench.seed drop-db
    python -m bench.seed oidc-key PATH      # an RSA key for OIDC_RSA_PRIVATE_KEY_FILE

The database is the one in DATABASE_URL (a dedicated one: bench/run.py uses
`gatehouse_bench` on PostgreSQL, a temporary file on SQLite). `seed` migrates it, then
stores every value the way Gatehouse stores it, with plain values generated here
(bench/seeder.py says which).

Filler rows go in with COPY on PostgreSQL (bulk_create in batches on SQLite, or with
`--method bulk`; bench/filler.py). The tables are vacuumed and analysed afterwards, and
PostgreSQL is checkpointed, so a run starts from a steady state rather than from a fresh
bulk load.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

from bench.seeder import Seeder


def _pg_params() -> tuple[dict, str]:
    url = urlsplit(os.environ["DATABASE_URL"])
    if url.scheme not in ("postgres", "postgresql", "pgsql"):
        raise SystemExit(f"create-db/drop-db need a PostgreSQL DATABASE_URL, not {url.scheme}")
    name = unquote(url.path.lstrip("/"))
    if not name or name in ("postgres", "test", "test_test", "template0", "template1"):
        raise SystemExit(f"refusing to use database {name!r} for the bench")
    params = {"host": url.hostname or "127.0.0.1", "port": url.port or 5432, "dbname": "postgres"}
    if url.username:
        params["user"] = unquote(url.username)
    if url.password:
        params["password"] = unquote(url.password)
    return params, name


def create_db() -> None:
    import psycopg
    from psycopg import sql

    params, name = _pg_params()
    with psycopg.connect(**params, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_db() -> None:
    import psycopg
    from psycopg import sql

    params, name = _pg_params()
    with psycopg.connect(**params, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def oidc_key(path: Path) -> None:
    """An RSA key for ID tokens, made by the same code as development's (config/signing_key.py)."""
    from config.signing_key import development_key_file

    development_key_file(path)


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    parser = argparse.ArgumentParser(
        prog="python -m bench.seed", description=__doc__.split("\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("create-db", help="PostgreSQL: drop the bench database if it exists, create it")
    sub.add_parser("drop-db", help="PostgreSQL: drop the bench database")
    key = sub.add_parser("oidc-key", help="write an RSA private key (PEM) for ID tokens")
    key.add_argument("path", type=Path)
    seed = sub.add_parser("seed", help="migrate and seed the bench database")
    seed.add_argument("--tokens", type=int, default=1000, help="filler access tokens")
    seed.add_argument("--pool", type=int, default=20_000, help="values per consumable pool")
    seed.add_argument("--out", type=Path, required=True, help="directory for the plain values")
    seed.add_argument("--method", choices=["auto", "copy", "bulk"], default="auto")
    args = parser.parse_args(argv)
    if args.command == "create-db":
        create_db()
    elif args.command == "drop-db":
        drop_db()
    elif args.command == "oidc-key":
        oidc_key(args.path)
    else:
        args.out.mkdir(parents=True, exist_ok=True)
        meta = Seeder(tokens=args.tokens, pool=args.pool, out=args.out, method=args.method).run()
        print(json.dumps({k: v for k, v in meta.items() if k != "client_secret"}))


if __name__ == "__main__":
    main()
