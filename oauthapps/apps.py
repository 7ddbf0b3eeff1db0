from django.apps import AppConfig


class OAuthAppsConfig(AppConfig):
    name = "oauthapps"
    verbose_name = "OAuth applications"
    default_auto_field = "django.db.models.BigAutoField"
