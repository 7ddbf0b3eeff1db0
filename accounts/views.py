from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.forms import SignupForm
from oauthapps import ratelimits


def too_many(request: HttpRequest, wait: int, message: str) -> HttpResponse:
    response = render(request, "429.html", {"wait": wait, "message": message}, status=429)
    response["Retry-After"] = str(wait)
    return response


class LoginView(auth_views.LoginView):
    """Django's login, limited per IP (every attempt) and per username (failed attempts)."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        username = ("login_failures_per_username", request.POST.get("username", "")[:150].lower())
        wait = ratelimits.hit(
            request, ("login_per_ip", ratelimits.ip_key(request))
        ) or ratelimits.check(request, username)
        if wait:
            return too_many(request, wait, "There were too many sign-in attempts.")
        response = super().post(request, *args, **kwargs)
        if not request.user.is_authenticated:
            ratelimits.hit(request, username)
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
