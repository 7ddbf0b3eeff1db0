"""The Django admin for OAuth models.

Replaces django-oauth-toolkit's registrations. Secrets never appear: the client secret
is hashed and shown masked, tokens are stored only as a SHA-256 checksum (shown as its
first 8 hex digits), and so are authorization codes.
Tokens and codes come from the OAuth flows, so none can be added here; tokens are ended
with the revoke actions (which also end the bound refresh or access token), not deleted.
Applications are created on the settings pages or with `manage.py createapp`, where the
plain secret is shown once.
Every change made here is written to the audit log (ADMIN_ACTION, with the staff member and
IP address); the audit log itself is read-only, even for superusers.
"""

import contextlib

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import ngettext
from oauth2_provider.models import revoke_access_token

from oauthapps import audit
from oauthapps.models import AccessToken, Application, AuditEntry, Grant, IDToken, RefreshToken

for _model in (Application, AccessToken, RefreshToken, Grant, IDToken):
    with contextlib.suppress(admin.sites.NotRegistered):
        admin.site.unregister(_model)

USER_SEARCH_FIELDS = ("user__username", "application__name")


def mask_checksum(checksum: str) -> str:
    return f"{checksum[:8]}…" if checksum else "—"


class NoAddMixin:
    """Issued by the OAuth flows, never made by hand."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "client_type", "approved", "verified", "created")
    list_filter = ("approved", "verified", "client_type")
    search_fields = ("name", "user__username", "client_id")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    fields = (
        "name",
        "description",
        "user",
        "client_id",
        "masked_secret",
        "client_type",
        "authorization_grant_type",
        "allow_client_credentials",
        "redirect_uris",
        "allowed_scopes",
        "approved",
        "verified",
        "is_resource_server",
        "created",
        "updated",
    )
    readonly_fields = ("client_id", "masked_secret", "created", "updated")
    actions = ("approve", "unapprove", "verify", "unverify")

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Created with `manage.py createapp` or on the settings pages, which show the
        # plain secret once; an admin form could not.
        return False

    @admin.display(description="client secret")
    def masked_secret(self, obj: Application) -> str:
        return "•••••••• (hashed; the owner can regenerate it)" if obj.client_secret else "—"

    def save_model(self, request: HttpRequest, obj: Application, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and form.changed_data:  # field names only, never values
            audit.record(
                action=audit.Action.ADMIN_ACTION,
                request=request,
                application=obj,
                operation="change",
                fields=list(form.changed_data),
            )

    def delete_model(self, request: HttpRequest, obj: Application) -> None:
        self._record_deletion(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for application in queryset:
            self._record_deletion(request, application)
        super().delete_queryset(request, queryset)

    def _record_deletion(self, request: HttpRequest, application: Application) -> None:
        # Before deleting: the entry keeps the name and client_id, its link is cleared.
        audit.record(
            action=audit.Action.ADMIN_ACTION,
            request=request,
            application=application,
            operation="delete",
        )

    def _set_flag(
        self, request: HttpRequest, queryset: QuerySet, field: str, value: bool, action: str
    ) -> None:
        applications = list(queryset.exclude(**{field: value}))
        changed = Application.objects.filter(pk__in=[a.pk for a in applications]).update(
            **{field: value, "updated": timezone.now()}
        )
        for application in applications:
            audit.record(
                action=audit.Action.ADMIN_ACTION,
                request=request,
                application=application,
                operation=action,
            )
        state = {
            ("approved", True): "approved",
            ("approved", False): "unapproved",
            ("verified", True): "marked as verified",
            ("verified", False): "marked as not verified",
        }[(field, value)]
        self.message_user(
            request,
            ngettext("%(n)d application %(state)s.", "%(n)d applications %(state)s.", changed)
            % {"n": changed, "state": state},
        )

    @admin.action(description="Approve selected applications", permissions=["change"])
    def approve(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_flag(request, queryset, "approved", True, "approve")

    @admin.action(description="Unapprove selected applications", permissions=["change"])
    def unapprove(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_flag(request, queryset, "approved", False, "unapprove")

    @admin.action(description="Mark selected as verified", permissions=["change"])
    def verify(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_flag(request, queryset, "verified", True, "verify")

    @admin.action(description="Mark selected as not verified", permissions=["change"])
    def unverify(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_flag(request, queryset, "verified", False, "unverify")


class TokenAdmin(NoAddMixin, admin.ModelAdmin):
    """Shared by access and refresh tokens: read-only, masked, revoked by action."""

    list_select_related = ("user", "application")
    search_fields = USER_SEARCH_FIELDS
    list_filter = ("expires",)
    actions = ("revoke",)
    kind = ""  # "access_token" or "refresh_token", for the audit log

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Revoking ends the whole token family consistently; a raw delete would not.
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> tuple[str, ...]:
        return self.fields

    @admin.display(description="token")
    def masked_token(self, obj: AccessToken | RefreshToken) -> str:
        return mask_checksum(obj.token_checksum)

    def revoke_one(self, token: AccessToken | RefreshToken) -> None:
        raise NotImplementedError

    @admin.action(description="Revoke selected tokens", permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = 0
        for token in queryset.select_related("user", "application"):
            self.revoke_one(token)
            audit.record(
                action=audit.Action.ADMIN_ACTION,
                request=request,
                application=token.application,
                operation=f"revoke_{self.kind}",
                token_id=token.pk,  # the row's id, never the token
                user=token.user.get_username() if token.user is not None else None,
            )
            count += 1
        self.message_user(
            request, ngettext("Revoked %d token.", "Revoked %d tokens.", count) % count
        )


@admin.register(AccessToken)
class AccessTokenAdmin(TokenAdmin):
    kind = "access_token"
    list_display = ("id", "user", "application", "masked_token", "scope", "expires", "created")
    fields = (
        "masked_token",
        "user",
        "application",
        "scope",
        "expires",
        "created",
        "updated",
    )

    def revoke_one(self, token: AccessToken) -> None:
        revoke_access_token(token)


@admin.register(RefreshToken)
class RefreshTokenAdmin(TokenAdmin):
    kind = "refresh_token"
    list_display = ("id", "user", "application", "masked_token", "revoked", "created")
    list_filter = ("revoked",)
    fields = ("masked_token", "user", "application", "access_token", "revoked", "created")

    def revoke_one(self, token: RefreshToken) -> None:
        token.revoke()


@admin.register(Grant)
class GrantAdmin(NoAddMixin, admin.ModelAdmin):
    list_display = ("id", "user", "application", "masked_code", "expires", "redeemed_at", "created")
    list_select_related = ("user", "application")
    search_fields = USER_SEARCH_FIELDS
    fields = (
        "masked_code",
        "user",
        "application",
        "redirect_uri",
        "scope",
        "expires",
        "redeemed_at",
        "created",
    )
    readonly_fields = fields

    @admin.display(description="code digest")
    def masked_code(self, obj: Grant) -> str:
        return mask_checksum(obj.code)  # codes are stored as SHA-256 digests


@admin.register(IDToken)
class IDTokenAdmin(NoAddMixin, admin.ModelAdmin):
    list_display = ("jti", "user", "application", "expires")
    list_select_related = ("user", "application")
    search_fields = USER_SEARCH_FIELDS
    raw_id_fields = ("user",)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: entries are written by `audit.record`, never added, edited or deleted here.

    Staff with the view permission (superusers have it) can list and open entries.
    """

    list_display = (
        "created",
        "action",
        "actor_name",
        "application_name",
        "client_id",
        "ip_address",
    )
    list_filter = ("action", "created")
    search_fields = ("actor_name", "application_name", "client_id")
    date_hierarchy = "created"
    actions = None
    fields = (
        "created",
        "action",
        "actor",
        "actor_name",
        "application",
        "application_name",
        "client_id",
        "ip_address",
        "detail",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
