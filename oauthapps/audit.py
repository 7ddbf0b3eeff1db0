"""The audit log: one function, `record`, called wherever something worth auditing happens.

Entries name the actor, the application, the time and the client's IP address, and a
small `detail` dict. Never pass a secret, token or code in `detail`.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from oauthapps.models import AuditEntry

Action = AuditEntry.Action


def client_ip(request: HttpRequest | None) -> str | None:
    """The address the request came from (the proxy's, behind a proxy; see the README)."""
    if request is None:
        return None
    meta = getattr(request, "META", None)
    if meta is None:  # an oauthlib request: DOT copies META into its headers
        meta = getattr(request, "headers", None) or {}
    return meta.get("REMOTE_ADDR") or None


def record(
    *,
    action: str,
    request: Any = None,
    actor=None,
    application=None,
    **detail: Any,
) -> AuditEntry:
    """Write one entry. `request` may be a Django or an oauthlib request, or None."""
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        if user is not None and getattr(user, "is_authenticated", False):
            actor = user
    return AuditEntry.objects.create(
        action=action,
        actor=actor,
        actor_name=actor.get_username() if actor is not None else "",
        application=application,
        application_name=application.name if application is not None else "",
        client_id=application.client_id if application is not None else "",
        ip_address=client_ip(request),
        detail=detail,
    )
