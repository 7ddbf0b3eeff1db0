"""/user/authorized-apps/: the applications a person granted access to."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from oauthapps import audit, selectors, services
from oauthapps.models import Application
from oauthapps.protocol.scopes import describe


@login_required
def authorized_list(request: HttpRequest) -> HttpResponse:
    authorizations = selectors.authorized_applications(user=request.user)
    rows = [(a, describe(a.scopes)) for a in authorizations]
    return render(request, "oauthapps/authorized_list.html", {"rows": rows})


@login_required
@require_POST
def authorized_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(Application, pk=pk)
    with transaction.atomic():
        revoked = services.revoke_authorization(user=request.user, application=application)
        if revoked:  # a POST for an app never authorized changes nothing: no entry
            audit.record(
                action=audit.Action.AUTHORIZATION_REVOKED, request=request, application=application
            )
    if not revoked and not application.is_visible_to(request.user):
        raise Http404  # an unapproved application does not exist for anyone but its owner
    messages.success(request, f"{application.name} can no longer access your account.")
    return redirect("oauthapps:authorized_list")
