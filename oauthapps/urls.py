from django.urls import path, re_path

from oauthapps.views import authorized, endpoints, manage, oidc, tokens

app_name = "oauthapps"

urlpatterns = [
    # OAuth endpoints, with and without the trailing slash each reference uses.
    path("oauth/authorize/", endpoints.AuthorizeView.as_view(), name="authorize"),
    re_path(r"^oauth2?/authorize$", endpoints.AuthorizeView.as_view()),
    re_path(r"^oauth2/authorize/$", endpoints.AuthorizeView.as_view()),
    path("oauth/token/", endpoints.TokenView.as_view(), name="token"),
    path("oauth/token", endpoints.TokenView.as_view()),
    re_path(r"^api/oauth2/token/?$", endpoints.TokenView.as_view()),
    path("oauth/revoke", tokens.RevokeView.as_view(), name="revoke"),
    path("oauth/revoke/", tokens.RevokeView.as_view()),
    path("oauth/introspect", tokens.IntrospectView.as_view(), name="introspect"),
    path("oauth/introspect/", tokens.IntrospectView.as_view()),
    path(".well-known/oauth-authorization-server", tokens.metadata, name="metadata"),
    # OpenID Connect (oauthapps/views/oidc.py).
    path(
        ".well-known/openid-configuration",
        oidc.openid_configuration,
        name="openid_configuration",
    ),
    path(".well-known/jwks.json", oidc.JwksView.as_view(), name="jwks"),
    path("oauth/userinfo/", oidc.UserInfoView.as_view(), name="userinfo"),
    path("oauth/userinfo", oidc.UserInfoView.as_view()),
    # Settings pages: the signed-in person's applications.
    path("user/apps/", manage.app_list, name="app_list"),
    path("user/apps/new/", manage.app_create, name="app_create"),
    path("user/apps/<int:pk>/edit/", manage.app_edit, name="app_edit"),
    path("user/apps/<int:pk>/regenerate/", manage.app_regenerate, name="app_regenerate"),
    path("user/apps/<int:pk>/revoke-all/", manage.app_revoke_all, name="app_revoke_all"),
    path("user/apps/<int:pk>/delete/", manage.app_delete, name="app_delete"),
    # The applications the signed-in person granted access to.
    path("user/authorized-apps/", authorized.authorized_list, name="authorized_list"),
    path(
        "user/authorized-apps/<int:pk>/revoke/",
        authorized.authorized_revoke,
        name="authorized_revoke",
    ),
]
