"""/user/authorized-apps/: the applications a person granted access to."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from oauthapps import audit, services
from oauthapps.models import AccessToken, Application, RefreshToken
from oauthapps.scopes import describe


@login_required
def authorized_list(request: HttpRequest) -> HttpResponse:
    authorizations = services.authorized_applications(user=request.user)
    rows = [(a, describe(a.scopes)) for a in authorizations]
    return render(request, "oauthapps/authorized_list.html", {"rows": rows})


@login_required
@require_POST
def authorized_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    application = Application.objects.filter(pk=pk).first()
    if application is None:
        raise Http404
    held = {"user": request.user, "application": application}
    had_access = (
        AccessToken.objects.filter(**held).exists()
        or RefreshToken.objects.filter(revoked__isnull=True, **held).exists()
    )
    with transaction.atomic():
        services.revoke_authorization(user=request.user, application=application)
        if had_access:  # a POST for an app never authorized changes nothing: no entry
            audit.record(
                action=audit.Action.AUTHORIZATION_REVOKED, request=request, application=application
            )
    messages.success(request, f"{application.name} can no longer access your account.")
    return redirect("oauthapps:authorized_list")
