"""The floors: the least a Django view on this stack can do for a read or a write.

Each Gatehouse endpoint is reported as a ratio to one of these, served by the same
gunicorn, settings and middleware. What is left between the two is Gatehouse's own work.

- read: one indexed read of an access token row by the digest of the bearer token.
- insert: one INSERT of an access token row (a random checksum, the bench application).
"""

import secrets
from datetime import timedelta

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from oauthapps.digests import digest
from oauthapps.models import AccessToken, Application

BENCH_CLIENT_NAME = "Gatehouse bench"

_application_id: int | None = None


def _bench_application_id() -> int:
    """The seeded application's primary key, looked up once per worker."""
    global _application_id
    if _application_id is None:
        _application_id = Application.objects.values_list("pk", flat=True).get(
            name=BENCH_CLIENT_NAME
        )
    return _application_id


@require_GET
def read_floor(request: HttpRequest) -> JsonResponse:
    bearer = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")[2].strip()
    row = (
        AccessToken.objects.filter(token_checksum=digest(bearer))
        .values_list("pk", "expires")
        .first()
    )
    if row is None:
        return JsonResponse({"found": False}, status=404)
    return JsonResponse({"id": row[0], "expires": int(row[1].timestamp())})


@csrf_exempt
@require_POST
def insert_floor(request: HttpRequest) -> JsonResponse:
    token = AccessToken.objects.create(
        token="",
        token_checksum=digest(secrets.token_urlsafe(32)),
        application_id=_bench_application_id(),
        expires=timezone.now() + timedelta(hours=1),
        scope="public",
    )
    return JsonResponse({"id": token.pk})
