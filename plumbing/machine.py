"""Machine endpoints skip the browser's middleware: a path-aware middleware stack.

Programs call the token, revocation, introspection, whoami, userinfo and metadata
endpoints on every request they serve; none of them uses a session, a CSRF token, the
signed-in person, flash messages, a Content-Security-Policy or static files. Running
that stack costs them more than the endpoint's own work.

`MachineEndpointDispatcher` is the first entry of `MIDDLEWARE`. It resolves the path
(memoised: a handful of fixed paths) and, when the view is marked with
`@machine_endpoint` (or a class attribute `machine_endpoint = True`), sends the request
through `MACHINE_MIDDLEWARE` instead of the rest of `MIDDLEWARE`, then straight to the
view. Every other request continues down `MIDDLEWARE` untouched. Both lists are in the
settings, one beside the other; the test client runs the same dispatcher, so the suite
exercises exactly the stack production runs.

`MACHINE_MIDDLEWARE` entries are ordinary middleware (a factory taking `get_response`);
their `process_exception` hooks run for exceptions raised by the view, as in Django.
`process_view` and `process_template_response` hooks are not run (none is needed).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.core.handlers.exception import convert_exception_to_response
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, ResolverMatch, get_resolver
from django.utils.module_loading import import_string

MACHINE_ATTRIBUTE = "machine_endpoint"


def machine_endpoint(view: Callable) -> Callable:
    """Mark a function view as a machine endpoint (classes set `machine_endpoint = True`)."""
    setattr(view, MACHINE_ATTRIBUTE, True)
    return view


def is_machine_view(func: Callable) -> bool:
    view = getattr(func, "view_class", None) or getattr(func, "cls", None) or func
    return bool(getattr(view, MACHINE_ATTRIBUTE, False) or getattr(func, MACHINE_ATTRIBUTE, False))


@functools.lru_cache(maxsize=512)
def _machine_match(urlconf: str, path: str) -> ResolverMatch | None:
    try:
        match = get_resolver(urlconf).resolve(path)
    except Resolver404:
        return None
    return match if is_machine_view(match.func) else None


def machine_match(request: HttpRequest) -> ResolverMatch | None:
    """The machine endpoint this request is for, or None (pages, unknown paths)."""
    urlconf = getattr(request, "urlconf", None) or settings.ROOT_URLCONF
    return _machine_match(urlconf, request.path_info)


class MachineEndpointDispatcher:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._exception_hooks: list[Callable] = []
        handler = convert_exception_to_response(self._call_view)
        for path in reversed(settings.MACHINE_MIDDLEWARE):
            try:
                middleware = import_string(path)(handler)
            except MiddlewareNotUsed:
                continue
            if hasattr(middleware, "process_exception"):
                self._exception_hooks.append(middleware.process_exception)
            handler = convert_exception_to_response(middleware)
        self.machine_chain = handler

    def __call__(self, request: HttpRequest) -> HttpResponse:
        match = machine_match(request)
        if match is None:
            return self.get_response(request)
        request.resolver_match = match
        response = self.machine_chain(request)
        # As CommonMiddleware does for pages: clients keep the connection alive.
        if not response.streaming and not response.has_header("Content-Length"):
            response.headers["Content-Length"] = str(len(response.content))
        return response

    def _call_view(self, request: HttpRequest) -> HttpResponse:
        match = request.resolver_match
        try:
            response = match.func(request, *match.args, **match.kwargs)
        except Exception as exc:
            for hook in self._exception_hooks:
                answer = hook(request, exc)
                if answer is not None:
                    return answer
            raise
        if hasattr(response, "render") and callable(response.render):
            response = response.render()
        return response


class SecurityHeadersMiddleware:
    """Django's SecurityMiddleware headers (HSTS, nosniff, Referrer-Policy, COOP) without
    its http-to-https redirect: machine endpoints refuse plain http instead of redirecting
    (a redirect would come after the secret crossed the network)."""

    def __init__(self, get_response):
        from django.middleware.security import SecurityMiddleware

        self.get_response = get_response
        self._security = SecurityMiddleware(get_response)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self._security.process_response(request, self.get_response(request))
