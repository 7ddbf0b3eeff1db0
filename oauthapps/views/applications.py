"""Settings pages under /user/apps/: the signed-in person's OAuth applications.

An application's pages are reachable by its owner and by staff; for anyone else the
application does not exist (404). Every change is a POST (CSRF-protected); pages showing
a plain client secret are never cached.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from oauthapps import audit, selectors, services
from oauthapps.forms import ApplicationForm
from oauthapps.models import TITLE_TAKEN, Application

get_or_post = require_http_methods(["GET", "POST"])


def _manageable(request: HttpRequest) -> QuerySet[Application]:
    """The applications the signed-in person may manage: their own, or all for staff."""
    if request.user.is_staff:
        return Application.objects.all()
    return Application.objects.filter(user=request.user)


def _get_application(request: HttpRequest, pk: int) -> Application:
    return get_object_or_404(_manageable(request), pk=pk)


def _show_secret(request: HttpRequest, application: Application, secret: str) -> HttpResponse:
    """The only page that ever shows the plain secret: rendered, never redirected to."""
    response = render(
        request, "oauthapps/app_secret.html", {"application": application, "secret": secret}
    )
    response["Cache-Control"] = "no-store"
    return response


def _editable_values(application: Application) -> dict[str, object]:
    """The stored values the form edits, to tell which fields a save really changed."""
    return {name: getattr(application, name) for name in ApplicationForm.Meta.fields}


def _add_save_errors(form: ApplicationForm, exc: ValidationError | IntegrityError) -> None:
    """A save that lost a race with another one taking the same title."""
    if isinstance(exc, IntegrityError):
        form.add_error("name", TITLE_TAKEN)
        return
    for field, errors in exc.message_dict.items():
        if field == NON_FIELD_ERRORS and TITLE_TAKEN in errors:
            field = "name"
        form.add_error(field if field in form.fields else None, errors)


@login_required
@require_safe
def app_list(request: HttpRequest) -> HttpResponse:
    # Staff manage other people's applications from the admin; here they see their own.
    applications = Application.objects.filter(user=request.user).order_by("name")
    rows = [
        (application, selectors.application_user_count(application=application))
        for application in applications
    ]
    return render(request, "oauthapps/app_list.html", {"rows": rows})


@login_required
@get_or_post
def app_create(request: HttpRequest) -> HttpResponse:
    form = ApplicationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                application, secret = services.create_application(
                    owner=request.user, **form.application_fields()
                )
                audit.record(
                    action=audit.Action.APP_CREATED, request=request, application=application
                )
        except (ValidationError, IntegrityError) as exc:
            _add_save_errors(form, exc)
        else:
            messages.success(request, f"Created application {application.name}.")
            return _show_secret(request, application, secret)
    return render(request, "oauthapps/app_form.html", {"form": form, "application": None})


@login_required
@get_or_post
def app_edit(request: HttpRequest, pk: int) -> HttpResponse:
    application = _get_application(request, pk)
    title = application.name  # the form changes the instance while validating
    before = _editable_values(application)
    form = ApplicationForm(request.POST if request.method == "POST" else None, instance=application)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                form.save()
                after = _editable_values(application)
                changed = [name for name in before if before[name] != after[name]]
                if changed:  # names only: never the values
                    audit.record(
                        action=audit.Action.APP_EDITED,
                        request=request,
                        application=application,
                        fields=changed,
                    )
        except IntegrityError as exc:
            _add_save_errors(form, exc)
        else:
            messages.success(request, f"Saved application {application.name}.")
            return redirect("oauthapps:app_list")
    return render(
        request,
        "oauthapps/app_form.html",
        {"form": form, "application": application, "title": title},
    )


@login_required
@get_or_post
def app_regenerate(request: HttpRequest, pk: int) -> HttpResponse:
    application = _get_application(request, pk)
    if application.is_public:
        raise Http404("A public application has no secret.")
    if request.method == "POST":
        with transaction.atomic():
            secret = services.regenerate_secret(application=application)
            audit.record(
                action=audit.Action.SECRET_REGENERATED, request=request, application=application
            )
        messages.success(request, f"Generated a new secret for {application.name}.")
        return _show_secret(request, application, secret)
    return render(request, "oauthapps/app_regenerate.html", {"application": application})


@login_required
@get_or_post
def app_revoke_all(request: HttpRequest, pk: int) -> HttpResponse:
    application = _get_application(request, pk)
    if request.method == "POST":
        with transaction.atomic():
            count = services.revoke_all_tokens(application=application)
            audit.record(
                action=audit.Action.TOKENS_REVOKED,
                request=request,
                application=application,
                users=count,
            )
        people = "user" if count == 1 else "users"
        messages.success(request, f"Revoked access for {count} {people}.")
        return redirect("oauthapps:app_list")
    count = selectors.application_user_count(application=application)
    return render(
        request, "oauthapps/app_revoke_all.html", {"application": application, "count": count}
    )


@login_required
@get_or_post
def app_delete(request: HttpRequest, pk: int) -> HttpResponse:
    application = _get_application(request, pk)
    if request.method == "POST":
        name = application.name
        with transaction.atomic():
            # Recorded first: the entry keeps the name and client_id, its link is cleared.
            audit.record(action=audit.Action.APP_DELETED, request=request, application=application)
            application.delete()
        messages.success(request, f"Deleted application {name}.")
        return redirect("oauthapps:app_list")
    return render(request, "oauthapps/app_delete.html", {"application": application})
