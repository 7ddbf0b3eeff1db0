from django.urls import path, re_path

from oauthapps.views import (
    applications,
    authorize,
    authorized,
    introspect,
    jwks,
    metadata,
    revoke,
    token,
    userinfo,
)

app_name = "oauthapps"

urlpatterns = [
    # OAuth endpoints, with and without the trailing slash each reference uses.
    path("oauth/authorize/", authorize.AuthorizeView.as_view(), name="authorize"),
    re_path(r"^oauth2?/authorize$", authorize.AuthorizeView.as_view()),
    re_path(r"^oauth2/authorize/$", authorize.AuthorizeView.as_view()),
    path("oauth/token/", token.TokenView.as_view(), name="token"),
    path("oauth/token", token.TokenView.as_view()),
    re_path(r"^api/oauth2/token/?$", token.TokenView.as_view()),
    path("oauth/revoke", revoke.RevokeView.as_view(), name="revoke"),
    path("oauth/revoke/", revoke.RevokeView.as_view()),
    path("oauth/introspect", introspect.IntrospectView.as_view(), name="introspect"),
    path("oauth/introspect/", introspect.IntrospectView.as_view()),
    path(".well-known/oauth-authorization-server", metadata.metadata, name="metadata"),
    # OpenID Connect: discovery, keys, UserInfo.
    path(
        ".well-known/openid-configuration",
        metadata.openid_configuration,
        name="openid_configuration",
    ),
    path(".well-known/jwks.json", jwks.JwksView.as_view(), name="jwks"),
    path("oauth/userinfo/", userinfo.UserInfoView.as_view(), name="userinfo"),
    path("oauth/userinfo", userinfo.UserInfoView.as_view()),
    # Settings pages: the signed-in person's applications.
    path("user/apps/", applications.app_list, name="app_list"),
    path("user/apps/new/", applications.app_create, name="app_create"),
    path("user/apps/<int:pk>/edit/", applications.app_edit, name="app_edit"),
    path("user/apps/<int:pk>/regenerate/", applications.app_regenerate, name="app_regenerate"),
    path("user/apps/<int:pk>/revoke-all/", applications.app_revoke_all, name="app_revoke_all"),
    path("user/apps/<int:pk>/delete/", applications.app_delete, name="app_delete"),
    # The applications the signed-in person granted access to.
    path("user/authorized-apps/", authorized.authorized_list, name="authorized_list"),
    path(
        "user/authorized-apps/<int:pk>/revoke/",
        authorized.authorized_revoke,
        name="authorized_revoke",
    ),
]
