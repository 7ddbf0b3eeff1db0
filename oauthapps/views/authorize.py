"""The authorization endpoint: GET shows the consent page, POST answers it (RFC 6749 §4.1)."""

from contextlib import nullcontext  # noqa: F401
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from oauth2_provider.exceptions import OAuthToolkitError
from oauth2_provider.views.mixins import OAuthLibMixin

from oauthapps import audit, errors, selectors
from oauthapps.errors import OAuthError
from oauthapps.protocol import authorization
from oauthapps.protocol.backends import issuer
from oauthapps.protocol.scopes import describe

TRUTHY = {"true", "1", "yes", "on"}
FORCE_CONSENT = "oauthapps_force_consent"


class OAuthRedirect(HttpResponseRedirect):
    """A redirect to an already-validated redirect URI, whatever its scheme."""

    def __init__(self, url: str) -> None:
        self.allowed_schemes = [urlsplit(url).scheme or "https"]
        super().__init__(url)


def _with_params(uri: str, params: dict[str, str]) -> str:
    """Add params to a URI, keeping the URI's own query."""
    parts = urlsplit(uri)
    query = "&".join(filter(None, [parts.query, urlencode(params)]))
    return urlunsplit(parts._replace(query=query))


@method_decorator(never_cache, name="dispatch")
class AuthorizeView(OAuthLibMixin, View):
    """GET shows the consent page; POST (Authorize or Cancel) answers it.

    The form posts back to the same URL, so every POST validates the query again and
    nothing the browser sends in the form body (beyond the button) is trusted.
    """

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        force_login = request.GET.get("force_login", "").lower() in TRUTHY
        if not request.user.is_authenticated:
            # Sign-in comes before any validation (the contract).
            if force_login:
                return self.sign_in_again(request)
            return redirect_to_login(request.get_full_path())
        try:
            auth = authorization.check_authorization_request(request.GET, request.user)
            scopes, credentials = self.get_oauthlib_core().validate_authorization(
                request, auth.params
            )
        except OAuthError as error:
            return errors.page_error_response(request, error)
        except OAuthToolkitError as error:
            failure = error.oauthlib_error
            return errors.page_error_response(
                request,
                errors.from_oauthlib(failure.error, failure.description or "", failure.request),
            )
        if force_login:
            # Only for a valid request: a bare link with force_login must not sign anyone out.
            return self.sign_in_again(request)
        return super().dispatch(request, auth, scopes, credentials)

    def sign_in_again(self, request: HttpRequest) -> HttpResponse:
        """Mastodon's force_login: sign out, sign in again, then see the consent page."""
        logout(request)
        request.session[FORCE_CONSENT] = True
        query = request.GET.copy()
        del query["force_login"]
        return redirect_to_login(f"{request.path}?{query.urlencode()}")

    def get(self, request, auth, scopes, credentials) -> HttpResponse:
        forced = request.session.pop(FORCE_CONSENT, False)
        if not forced and selectors.has_authorized(
            user=request.user, application=auth.application, scopes=auth.scopes
        ):
            return self.issue_code(request, auth, scopes, credentials)
        return render(
            request,
            "oauthapps/authorize.html",
            {
                "application": auth.application,
                "scopes": describe(auth.scopes),
                "redirect_uri": auth.redirect_uri,
                "is_oob": auth.is_oob,
            },
        )

    def post(self, request, auth, scopes, credentials) -> HttpResponse:
        if "authorize" in request.POST:
            response = self.issue_code(request, auth, scopes, credentials)
            # Only a press of Authorize is recorded; a silent re-approval (get) is not.
            audit.record(
                action=audit.Action.AUTHORIZATION_GRANTED,
                request=request,
                application=auth.application,
                scopes=list(auth.scopes),
            )
            return response
        return self.cancel(request, auth)

    def issue_code(self, request, auth, scopes, credentials) -> HttpResponse:
        location = self.get_oauthlib_core().authorize(request, auth.params, scopes, credentials)
        if auth.is_oob:
            code = parse_qs(urlsplit(location).query).get("code", [""])[0]
            return render(
                request, "oauthapps/oob.html", {"application": auth.application, "code": code}
            )
        return OAuthRedirect(location)

    def cancel(self, request, auth) -> HttpResponse:
        if auth.is_oob:
            return render(request, "oauthapps/cancelled.html", {"application": auth.application})
        if errors.is_contentdb():
            # ContentDB: back to the redirect URI, unmodified.
            return OAuthRedirect(auth.redirect_uri)
        params = {"error": "access_denied"}
        if auth.state is not None:
            params["state"] = auth.state
        params["iss"] = issuer(request)
        return OAuthRedirect(_with_params(auth.redirect_uri, params))
