"""Content-Security-Policy: django-csp's middleware plus the OAuth redirect exception.

The policy itself is `CONTENT_SECURITY_POLICY` in config/settings/security.py. This subclass
changes one directive, `form-action`, on the few pages whose form can end at an OAuth
client.

Browsers check `form-action` not only against the form's own target but also against
every redirect that follows the submission (CSP 3; Chrome and Safari enforce it). Two
forms start a chain of redirects that leaves Gatehouse:

- the consent page posts back to itself, and the answer is a redirect to the client's
  redirect URI (with the code, or the cancellation);
- a login or sign-up page whose `next` is the authorization endpoint: a person who
  already granted the application is sent straight on to the client after signing in.

`form-action 'self'` on its own would block the last step of both. For those pages the
policy adds exactly one source: the origin of the redirect URI (https, or http on a
loopback host) or its private-use scheme (`com.example.app:`). It is added only when the
URI is registered for the client, so a crafted link cannot add an arbitrary origin. A
URI that a CSP source expression cannot name (an IPv6 loopback literal, say) leaves
`form-action` out of that one response rather than break the sign-in.
"""

import re
from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware, PolicyParts
from django.core.exceptions import SuspiciousOperation
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponseBase, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.urls import Resolver404, resolve

from oauthapps.protocol.redirect_uris import OOB_URI

_HOST = re.compile(r"[a-z0-9-]+(\.[a-z0-9-]+)*\Z")
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*\Z")
_NOT_EXPRESSIBLE = "not-expressible"
_UNSET = object()


def _is_authorize_view(func) -> bool:
    from oauthapps.views.authorize import AuthorizeView

    return getattr(func, "view_class", None) is AuthorizeView


def _authorize_query(request: HttpRequest) -> QueryDict | None:
    """The authorization request this page belongs to or leads to, if any."""
    match = request.resolver_match
    if match is not None and _is_authorize_view(match.func):
        return request.GET
    next_url = request.GET.get("next")
    if not next_url and request.method == "POST":
        # A login page shown again after a wrong password carries `next` in its form.
        try:
            next_url = request.POST.get("next")
        except (MultiPartParserError, SuspiciousOperation, OSError):
            return None  # an unreadable body: no exception to the policy
    if not next_url:
        return None
    parts = urlsplit(next_url)
    if parts.netloc:
        try:
            if parts.netloc != request.get_host():
                return None
        except SuspiciousOperation:  # DisallowedHost
            return None
    try:
        target = resolve(parts.path)
    except Resolver404:
        return None
    return QueryDict(parts.query) if _is_authorize_view(target.func) else None


def source_for(uri: str) -> str:
    """The CSP source expression that matches a redirect to `uri`."""
    parts = urlsplit(uri)
    scheme = parts.scheme.lower()
    if scheme in ("http", "https"):
        try:
            host = (parts.hostname or "").encode("idna").decode("ascii")
        except UnicodeError:
            return _NOT_EXPRESSIBLE
        if not _HOST.match(host):  # e.g. [::1]: CSP host-sources have no IPv6 literals
            return _NOT_EXPRESSIBLE
        return f"{scheme}://{host}" + (f":{parts.port}" if parts.port else "")
    if _SCHEME.match(scheme):
        return f"{scheme}:"
    return _NOT_EXPRESSIBLE


def redirect_source(request: HttpRequest) -> str | None:
    """The form-action source this request's page needs, if any (see the module doc)."""
    query = _authorize_query(request)
    if query is None:
        return None
    client_ids, uris = query.getlist("client_id"), query.getlist("redirect_uri")
    if len(client_ids) != 1 or len(uris) != 1 or uris[0] == OOB_URI:
        return None
    from oauthapps.models import Application

    try:
        application = Application.objects.filter(client_id=client_ids[0]).first()
    except DatabaseError:  # an outage page (plumbing/outage.py) stays a plain 503
        return None
    if application is None or not application.redirect_uri_allowed(uris[0]):
        return None
    return source_for(uris[0])


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with form-action widened where an OAuth redirect follows."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        source = self._redirect_source(request, response)
        if source == _NOT_EXPRESSIBLE:
            parts.replace = {**(parts.replace or {}), "form-action": None}
        elif source:
            update = dict(parts.update or {})
            update["form-action"] = [*update.get("form-action", []), source]
            parts.update = update
        return parts

    @staticmethod
    def _redirect_source(request: HttpRequest, response: HttpResponseBase) -> str | None:
        # Only the pages themselves (200, HTML) carry the forms in question; error pages
        # have none. Computed once for the policy and the report-only one.
        if response.status_code != 200 or not response.get("Content-Type", "").startswith(
            "text/html"
        ):
            return None
        cached = getattr(request, "_gatehouse_form_action_source", _UNSET)
        if cached is _UNSET:
            cached = redirect_source(request)
            request._gatehouse_form_action_source = cached
        return cached
