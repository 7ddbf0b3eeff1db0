"""The Seeder: migrate the bench database and store every value the way Gatehouse does.

- one person (`bench`) and one confidential application with client_credentials allowed;
- N filler access tokens of that person (the "tokens in the table" of a run); a random
  sample of up to 1,000 of them, in plain, is written for whoami, introspection and
  the read floor (reused by every request: those endpoints consume nothing);
- P authorization codes (Grant.code holds the digest; unexpired, not redeemed, with the
  registered redirect URI);
- P refresh tokens, each with its access token and its own token family (an
  authorization-code grant as DOT issues it);
- P access tokens to revoke, each with a refresh token and a family (so revoking one
  revokes its family, as Gatehouse does).

Tokens follow DOT's COMPLIANT_BCP_RFC9700_TOKEN_STORAGE: `token` is "" and
`token_checksum` is the SHA-256 of the plain value (oauthapps.protocol.digests.digest, the same
function Gatehouse uses to look them up). The pools' plain values go to DIR/<pool>.txt,
one a line; DIR/seed.json has the client credentials, row counts and timings.
"""

from __future__ import annotations

import json
import random
import secrets
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

from bench.filler import BATCH, bulk_create_access_tokens, copy_access_tokens

BENCH_USERNAME = "bench"
REDIRECT_URI = "https://bench.example/callback"
BENCH_CLIENT_NAME = "Gatehouse bench"
SAMPLE_SIZE = 1000


def _plain() -> str:
    # What oauthapps.protocol.generators.generate_token issues: 256 bits, URL-safe.
    return secrets.token_urlsafe(32)


class Seeder:
    def __init__(self, *, tokens: int, pool: int, out: Path, method: str) -> None:
        import django

        django.setup()
        from django.contrib.auth import get_user_model
        from django.db import connection
        from oauth2_provider.models import (
            get_access_token_model,
            get_application_model,
            get_grant_model,
            get_refresh_token_model,
        )

        self.connection = connection
        self.User = get_user_model()
        self.Application = get_application_model()
        self.AccessToken = get_access_token_model()
        self.RefreshToken = get_refresh_token_model()
        self.Grant = get_grant_model()
        self.tokens, self.pool, self.out = tokens, pool, out
        self.method = method
        if method == "auto":
            self.method = "copy" if connection.vendor == "postgresql" else "bulk"
        self.timings: dict[str, float] = {}
        self.refresh_token_ranges: dict[str, list[int] | None] = {}

    def timed(self, name: str, func, *args):
        start = time.perf_counter()
        result = func(*args)
        self.timings[name] = round(time.perf_counter() - start, 2)
        print(f"seed: {name}: {self.timings[name]:.2f} s", file=sys.stderr, flush=True)
        return result

    def write(self, name: str, values: list[str]) -> None:
        (self.out / f"{name}.txt").write_text("\n".join(values) + "\n")

    # ---- steps ---------------------------------------------------------------------------

    def migrate(self) -> None:
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)

    def principals(self) -> None:
        self.user = self.User(
            username=BENCH_USERNAME, display_name="Bench User", email="bench@example.com"
        )
        self.user.set_unusable_password()
        self.user.save()
        self.client_secret = secrets.token_urlsafe(32)
        app = self.Application(
            name=BENCH_CLIENT_NAME,
            client_id=secrets.token_urlsafe(24),
            client_secret=self.client_secret,  # hashed on save, as Gatehouse stores it
            user=self.user,
            client_type=self.Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=self.Application.GRANT_AUTHORIZATION_CODE,
            redirect_uris=REDIRECT_URI,
            allowed_scopes="public",
            allow_client_credentials=True,
            approved=True,
        )
        app.full_clean(exclude=["client_secret"])
        app.save()
        self.app = app

    def filler(self) -> None:
        from django.utils import timezone

        from oauthapps.protocol.digests import digest

        now = timezone.now()
        expires = now + timedelta(days=1)
        sample_at = set(random.sample(range(self.tokens), min(SAMPLE_SIZE, self.tokens)))
        sample: list[str] = []

        def rows():
            for i in range(self.tokens):
                plain = _plain()
                if i in sample_at:
                    sample.append(plain)
                yield digest(plain)

        owner = {"user": self.user, "app": self.app, "expires": expires}
        if self.method == "copy":
            copy_access_tokens(self.connection, self.AccessToken, rows(), now=now, **owner)
        else:
            bulk_create_access_tokens(self.AccessToken, rows(), **owner)
        random.shuffle(sample)
        self.write("tokens", sample)

    def codes(self) -> None:
        from django.utils import timezone

        from oauthapps.protocol.digests import digest

        # Bench codes live an hour (Gatehouse's own live 10 minutes): a --scale run
        # seeds its second database well after the first one's codes were made.
        expires = timezone.now() + timedelta(hours=1)
        plains = [_plain() for _ in range(self.pool)]
        self.Grant.objects.bulk_create(
            (
                self.Grant(
                    user=self.user,
                    code=digest(plain),
                    application=self.app,
                    expires=expires,
                    redirect_uri=REDIRECT_URI,
                    scope="public",
                )
                for plain in plains
            ),
            batch_size=BATCH,
        )
        self.write("codes", plains)

    def families(self, name: str, present: str) -> None:
        """P access + refresh token pairs, one family each; writes the `present` plains."""
        from django.utils import timezone

        from oauthapps.protocol.digests import digest

        expires = timezone.now() + timedelta(hours=1)
        access_plains = [_plain() for _ in range(self.pool)]
        refresh_plains = [_plain() for _ in range(self.pool)]
        pks: list[int] = []
        for start in range(0, self.pool, BATCH):
            access_tokens = self.AccessToken.objects.bulk_create(
                [
                    self.AccessToken(
                        token="",
                        token_checksum=digest(plain),
                        user=self.user,
                        application=self.app,
                        expires=expires,
                        scope="public",
                    )
                    for plain in access_plains[start : start + BATCH]
                ]
            )
            refresh_tokens = self.RefreshToken.objects.bulk_create(
                [
                    self.RefreshToken(
                        token="",
                        token_checksum=digest(plain),
                        user=self.user,
                        application=self.app,
                        access_token=access_token,
                        token_family=uuid.uuid4(),
                    )
                    for plain, access_token in zip(
                        refresh_plains[start : start + BATCH], access_tokens, strict=True
                    )
                ]
            )
            pks.extend(rt.pk for rt in refresh_tokens)
        # bench/probe.py verify counts what happened to this pool's refresh tokens.
        self.refresh_token_ranges[name] = [min(pks), max(pks)] if pks else None
        self.write(name, refresh_plains if present == "refresh" else access_plains)

    def settle(self) -> None:
        tables = [
            m._meta.db_table
            for m in (self.AccessToken, self.RefreshToken, self.Grant, self.Application)
        ]
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                cursor.execute(f"VACUUM (ANALYZE) {', '.join(tables)}")
                cursor.execute("CHECKPOINT")
            else:
                cursor.execute("ANALYZE")

    def database_version(self) -> str:
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                cursor.execute("SHOW server_version")
                return f"PostgreSQL {cursor.fetchone()[0]}"
            cursor.execute("SELECT sqlite_version()")
            return f"SQLite {cursor.fetchone()[0]}"

    def run(self) -> dict:
        total = time.perf_counter()
        self.timed("migrate", self.migrate)
        self.principals()
        self.timed(f"filler access tokens ({self.tokens}, {self.method})", self.filler)
        self.timed(f"codes ({self.pool})", self.codes)
        self.timed(f"refresh token families ({self.pool})", self.families, "refresh", "refresh")
        self.timed(f"revocation families ({self.pool})", self.families, "revoke", "access")
        self.timed("vacuum/analyze", self.settle)
        self.timings["total"] = round(time.perf_counter() - total, 2)
        meta = {
            "database": self.database_version(),
            "client_id": self.app.client_id,
            "application_id": self.app.pk,
            "client_secret": self.client_secret,
            "redirect_uri": REDIRECT_URI,
            "filler_tokens": self.tokens,
            "pool": self.pool,
            "method": self.method,
            "rows": {
                "access_tokens": self.AccessToken.objects.count(),
                "refresh_tokens": self.RefreshToken.objects.count(),
                "grants": self.Grant.objects.count(),
            },
            "refresh_token_ranges": self.refresh_token_ranges,
            "timings_s": self.timings,
        }
        (self.out / "seed.json").write_text(json.dumps(meta, indent=2))
        return meta
