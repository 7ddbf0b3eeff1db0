"""Filler access tokens in bulk: COPY on PostgreSQL, bulk_create in batches elsewhere."""

from __future__ import annotations

import io

BATCH = 10_000  # rows per write


def copy_access_tokens(connection, AccessToken, checksums, *, user, app, now, expires) -> None:
    """COPY into the access token table, in text format, ~10k rows per write."""
    table = AccessToken._meta.db_table
    columns = [
        "token",
        "token_checksum",
        "user_id",
        "application_id",
        "expires",
        "scope",
        "resource",
        "created",
        "updated",
    ]
    fixed_head = "\t"  # token: the empty string
    fixed_tail = (
        f"\t{user.pk}\t{app.pk}\t{expires.isoformat()}\tpublic\t[]"
        f"\t{now.isoformat()}\t{now.isoformat()}\n"
    )
    connection.ensure_connection()
    raw = connection.connection
    with raw.cursor() as cursor:
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            buffer = io.StringIO()
            for n, checksum in enumerate(checksums, 1):
                buffer.write(fixed_head + checksum + fixed_tail)
                if n % BATCH == 0:
                    copy.write(buffer.getvalue())
                    buffer = io.StringIO()
            copy.write(buffer.getvalue())


def bulk_create_access_tokens(AccessToken, checksums, *, user, app, expires) -> None:
    batch = []
    for checksum in checksums:
        batch.append(
            AccessToken(
                token="",
                token_checksum=checksum,
                user=user,
                application=app,
                expires=expires,
                scope="public",
            )
        )
        if len(batch) == BATCH:
            AccessToken.objects.bulk_create(batch, batch_size=BATCH)
            batch = []
    if batch:
        AccessToken.objects.bulk_create(batch, batch_size=BATCH)
