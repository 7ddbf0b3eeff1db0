"""The OAuth endpoints: authorization (consent page) and token."""

import json
import time
from contextlib import nullcontext
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.exceptions import OAuthToolkitError
from oauth2_provider.views.mixins import OAuthLibMixin

from oauthapps import audit, errors, parsing, ratelimits, selectors, services
from oauthapps.backends import issuer
from oauthapps.errors import OAuthError
from oauthapps.scopes import describe

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
            auth = services.check_authorization_request(query=request.GET, user=request.user)
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


@method_decorator(csrf_exempt, name="dispatch")
class TokenView(OAuthLibMixin, View):
    """POST /oauth/token/: exchange a code, a refresh token or client credentials.

    One pass: the request is parsed once (`parsing.parse_token_request`), the application
    is read once by client_id, and the `TokenRequest` travels on the oauthlib request to
    the validator, which writes any refusal's reason back there.
    """

    machine_endpoint = True
    error_shape = errors.Shape.DIALECT

    def post(self, request: HttpRequest) -> HttpResponse:
        client_id = None
        try:
            unreadable = errors.unreadable_body(request)
            if unreadable is not None:
                raise unreadable
            token_request = parsing.parse_token_request(request)
            client_id = token_request.client_id
            client = token_request.client = selectors.client_by_id(client_id)
            public = client is not None and client.is_public
            if token_request.credentials.secret is None and not public:
                raise OAuthError("missing_client_secret")
            parsing.require_grant_parameters(token_request)
            # Codes and refresh tokens are read, locked and replaced in one transaction; a
            # client credentials token is a single INSERT and needs none.
            single_insert = token_request.grant_type == "client_credentials"
            with nullcontext() if single_insert else transaction.atomic():
                oauthlib_request, body, status = self.get_oauthlib_core().token_response(
                    request, token_request
                )
            issued = json.loads(body)
            if status != 200:
                raise errors.from_oauthlib(
                    issued.get("error", ""),
                    issued.get("error_description", ""),
                    oauthlib_request,
                    grant_type=token_request.grant_type,
                )
        except OAuthError as error:
            if error.code == "invalid_client":
                wait = ratelimits.client_auth_failed(request, client_id)
                if wait:
                    error = errors.rate_limited(wait)
            return errors.error_response(error, self.error_shape)
        return token_response(issued)

    def http_method_not_allowed(self, request, *args, **kwargs) -> HttpResponse:
        return errors.error_response(OAuthError("method_not_allowed"), self.error_shape)


def token_response(issued: dict) -> JsonResponse:
    """The success body, the same in every dialect."""
    body = {
        "success": True,
        "access_token": issued["access_token"],
        "token_type": "Bearer",
        "expires_in": issued["expires_in"],
    }
    if "refresh_token" in issued:
        body["refresh_token"] = issued["refresh_token"]
    body["scope"] = issued.get("scope", "")
    if "id_token" in issued:  # OpenID Connect: only for tokens with the openid scope
        body["id_token"] = issued["id_token"]
    body["created_at"] = int(time.time())
    response = JsonResponse(body)
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response
