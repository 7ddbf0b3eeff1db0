from django.apps import AppConfig


class PlumbingConfig(AppConfig):
    name = "plumbing"

    def ready(self) -> None:
        from plumbing import db  # noqa: F401 - connects its signal receivers
