from django.apps import AppConfig


class OAuthAppsConfig(AppConfig):
    name = "oauthapps"
    verbose_name = "OAuth applications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from oauthapps import sessions  # noqa: F401 - connects the sign-in receiver
