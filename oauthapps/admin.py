"""The Django admin for OAuth models.

Replaces django-oauth-toolkit's registrations. Secrets never appear: the client secret
is hashed and shown masked, tokens are stored only as a SHA-256 checksum (shown as its
first 8 hex digits), and authorization codes show their first 4 characters.
Tokens and codes come from the OAuth flows, so none can be added here; tokens are ended
with the revoke actions (which also end the bound refresh or access token), not deleted.
Applications are created on the settings pages or with `manage.py createapp`, where the
plain secret is shown once.
"""

import contextlib

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import ngettext
from oauth2_provider.models import revoke_access_token

from oauthapps.models import AccessToken, Application, Grant, IDToken, RefreshToken

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

    def _set_flag(self, request: HttpRequest, queryset: QuerySet, field: str, value: bool) -> None:
        changed = queryset.exclude(**{field: value}).update(
            **{field: value, "updated": timezone.now()}
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
        self._set_flag(request, queryset, "approved", True)

    @admin.action(description="Unapprove selected applications", permissions=["change"])
    def unapprove(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_flag(request, queryset, "approved", False)

    @admin.action(description="Mark selected as verified", permissions=["change"])
    def verify(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_flag(request, queryset, "verified", True)

    @admin.action(description="Mark selected as not verified", permissions=["change"])
    def unverify(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_flag(request, queryset, "verified", False)


class TokenAdmin(NoAddMixin, admin.ModelAdmin):
    """Shared by access and refresh tokens: read-only, masked, revoked by action."""

    list_select_related = ("user", "application")
    search_fields = USER_SEARCH_FIELDS
    list_filter = ("expires",)
    actions = ("revoke",)

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
        for token in queryset:
            self.revoke_one(token)
            count += 1
        self.message_user(
            request, ngettext("Revoked %d token.", "Revoked %d tokens.", count) % count
        )


@admin.register(AccessToken)
class AccessTokenAdmin(TokenAdmin):
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
    list_display = ("id", "user", "application", "masked_token", "revoked", "created")
    list_filter = ("revoked",)
    fields = ("masked_token", "user", "application", "access_token", "revoked", "created")

    def revoke_one(self, token: RefreshToken) -> None:
        token.revoke()


@admin.register(Grant)
class GrantAdmin(NoAddMixin, admin.ModelAdmin):
    list_display = ("id", "user", "application", "masked_code", "expires", "created")
    list_select_related = ("user", "application")
    search_fields = USER_SEARCH_FIELDS
    fields = ("masked_code", "user", "application", "redirect_uri", "scope", "expires", "created")
    readonly_fields = fields

    @admin.display(description="code")
    def masked_code(self, obj: Grant) -> str:
        return f"{obj.code[:4]}…" if obj.code else "—"


@admin.register(IDToken)
class IDTokenAdmin(NoAddMixin, admin.ModelAdmin):
    list_display = ("jti", "user", "application", "expires")
    list_select_related = ("user", "application")
    search_fields = USER_SEARCH_FIELDS
    raw_id_fields = ("user",)
