import time
import unicodedata

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.forms import GatehousePasswordChangeForm, SignupForm
from oauthapps import audit, ratelimits, services


def too_many(request: HttpRequest, wait: int, message: str) -> HttpResponse:
    response = render(request, "429.html", {"wait": wait, "message": message}, status=429)
    response["Retry-After"] = str(wait)
    return response


# Once a username's failures from everywhere reach `login_failures_per_username`, every
# sign-in attempt at it waits this long (seconds): guessing slows down, while the owner,
# who may be signing in right then, still gets in.
LOGIN_DELAY_SECONDS = 1.0


def username_key(raw: str) -> str:
    """The username the way Django's sign-in reads it, case-folded: one key per account.

    AuthenticationForm's UsernameField strips the input and applies NFKC (as
    AbstractBaseUser.normalize_username does), and the ModelBackend looks that up, so
    " bob", "bob " and full-width "ｂｏｂ" all try bob's password. Case-folding also merges
    "BOB" (sign-up refuses usernames that differ only in case).
    """
    return unicodedata.normalize("NFKC", raw[:1000].strip()).strip().casefold()[:150]


class LoginView(auth_views.LoginView):
    """Django's login, rate limited (`OAUTHAPPS["RATE_LIMITS"]`, README "Rate limits").

    Refused (429) from one address: every attempt (`login_per_ip`), failed attempts
    (`login_failures_per_ip`) and failed attempts at one username
    (`login_failures_per_username_ip`). Failures at a username from everywhere
    (`login_failures_per_username`) only slow its sign-ins down: nobody can lock its owner
    out. A failure is a form that did not authenticate, whoever is signed in already.
    The admin signs in through this view too (accounts/admin.py).
    """

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        address = ratelimits.ip_key(request)
        username = username_key(request.POST.get("username", ""))
        self.failure_limits = [
            ("login_failures_per_ip", address),
            ("login_failures_per_username_ip", f"{username}\n{address}"),
            ("login_failures_per_username", username),
        ]
        wait = ratelimits.hit(request, ("login_per_ip", address)) or ratelimits.check(
            request, *self.failure_limits[:2]
        )
        if wait:
            return too_many(request, wait, "There were too many sign-in attempts.")
        if ratelimits.check(request, self.failure_limits[2]):
            time.sleep(LOGIN_DELAY_SECONDS)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form) -> HttpResponse:
        ratelimits.hit(self.request, *self.failure_limits)
        return super().form_invalid(form)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change; with the box ticked (the default), every application the
    person authorized loses its access (services.revoke_all_authorizations), audited."""

    form_class = GatehousePasswordChangeForm

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        if form.cleaned_data["revoke_authorizations"]:
            for application in services.revoke_all_authorizations(user=form.user):
                audit.record(
                    action=audit.Action.AUTHORIZATION_REVOKED,
                    request=self.request,
                    application=application,
                    reason="password_changed",
                )
            messages.success(
                self.request,
                "Every application you had authorized was signed out: no application can "
                "use your account until you authorize it again.",
            )
        return response


def signup(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        wait = ratelimits.hit(request, ("signup_per_ip", ratelimits.ip_key(request)))
        if wait:
            return too_many(request, wait, "Too many accounts were created from your address.")
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""

    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Welcome to Gatehouse, your account is ready.")
        return redirect(next_url or "oauthapps:app_list")

    return render(request, "accounts/signup.html", {"form": form, "next": next_url})
