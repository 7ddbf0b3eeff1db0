"""The audit log: one function, `record`, called wherever something worth auditing happens.

Entries name the actor, the application, the time and the client's IP address, and a
small `detail` dict. Never pass a secret, token or code in `detail`.
"""

from __future__ import annotations

from typing import Any

from oauthapps.models import AuditEntry
from plumbing.proxy import client_ip

Action = AuditEntry.Action


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
