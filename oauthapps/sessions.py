"""What a sign-in session tells OpenID Connect: when the person signed in, and which
session it is.

At every sign-in (Django's `user_logged_in`, whatever the login path) the session gets:
- `auth_time`: the sign-in's time (seconds since the epoch), for `max_age`, `prompt=login`
  and the ID token's `auth_time` (Django's `last_login` is per person, not per session:
  a sign-in on another device must not count as a fresh one here);
- `sid`: a random session identifier, for the ID token's `sid` and back-channel logout
  (OpenID Connect Back-Channel Logout 1.0 §2.1).
Both are copied onto the authorization code (Grant.auth_time, Grant.sid) so that the
token endpoint, which has no browser session, puts them in the ID token.
"""

from __future__ import annotations

import secrets
import time

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

AUTH_TIME_KEY = "gatehouse_auth_time"
SID_KEY = "gatehouse_sid"


@receiver(user_logged_in, dispatch_uid="oauthapps.sessions.remember_sign_in")
def remember_sign_in(sender, request=None, user=None, **kwargs) -> None:
    if request is None or not hasattr(request, "session"):
        return
    request.session[AUTH_TIME_KEY] = int(time.time())
    request.session[SID_KEY] = secrets.token_urlsafe(24)


def auth_time(request: HttpRequest) -> int | None:
    """When the signed-in person signed in in this session (None: unknown, e.g. a session
    from before Gatehouse recorded it, or nobody signed in)."""
    if not request.user.is_authenticated:
        return None
    value = request.session.get(AUTH_TIME_KEY)
    return value if isinstance(value, int) else None


def sid(request: HttpRequest) -> str | None:
    """This sign-in session's identifier (None when nobody is signed in)."""
    if not request.user.is_authenticated:
        return None
    value = request.session.get(SID_KEY)
    return value if isinstance(value, str) else None
