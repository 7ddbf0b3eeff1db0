"""The two floor views: raw SQL on Gatehouse's access token table, nothing else."""

import hashlib
import os
import secrets
from datetime import UTC, datetime, timedelta

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse

_SELECT = "SELECT id, expires FROM oauthapps_accesstoken WHERE token_checksum = %s"
_INSERT = (
    "INSERT INTO oauthapps_accesstoken "
    "(token, token_checksum, application_id, expires, scope, resource, created, updated) "
    "VALUES ('', %s, %s, %s, 'public', '[]', %s, %s) RETURNING id"
)
_APPLICATION_ID = int(os.environ.get("BENCH_APPLICATION_ID", "0"))


def read(request: HttpRequest) -> HttpResponse:
    if request.method != "GET":
        return HttpResponse(status=405)
    bearer = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")[2].strip()
    with connection.cursor() as cursor:
        cursor.execute(_SELECT, [hashlib.sha256(bearer.encode()).hexdigest()])
        row = cursor.fetchone()
    if row is None:
        return JsonResponse({"found": False}, status=404)
    return JsonResponse({"id": row[0], "expires": str(row[1])})


def insert(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponse(status=405)
    now = datetime.now(UTC)
    checksum = hashlib.sha256(secrets.token_urlsafe(32).encode()).hexdigest()
    with connection.cursor() as cursor:
        cursor.execute(_INSERT, [checksum, _APPLICATION_ID, now + timedelta(hours=1), now, now])
        (pk,) = cursor.fetchone()
    return JsonResponse({"id": pk})
