"""Scopes: the site's catalogue (settings), narrowed to what each application may request."""

import re

from oauth2_provider.scopes import BaseScopes

from oauthapps.conf import app_settings

_SEPARATORS = re.compile(r"[\s,+]+")


def parse_scope(value: str | None) -> list[str]:
    """Scopes separated by spaces, `+` or commas, in order, without duplicates."""
    if not value:
        return []
    return list(dict.fromkeys(s for s in _SEPARATORS.split(value) if s))


class UnknownScopes(ValueError):
    """Scopes the catalogue does not have; `available` lists those it has."""

    def __init__(self, unknown: list[str]) -> None:
        self.unknown = unknown
        self.available = list(app_settings.SCOPES)
        super().__init__(" ".join(unknown))


def registration_scopes(scopes: list[str]) -> list[str]:
    """The scopes an application registers with: the default scope when none are named;
    UnknownScopes when any is not in the catalogue (createapp, POST /api/v1/apps)."""
    scopes = scopes or [app_settings.DEFAULT_SCOPE]
    unknown = [s for s in scopes if s not in app_settings.SCOPES]
    if unknown:
        raise UnknownScopes(unknown)
    return scopes


def describe(scopes: list[str]) -> list[tuple[str, str]]:
    catalogue = app_settings.SCOPES
    return [(s, catalogue.get(s, s)) for s in scopes]


class ApplicationScopes(BaseScopes):
    def get_all_scopes(self) -> dict[str, str]:
        return dict(app_settings.SCOPES)

    def get_available_scopes(self, application=None, request=None, *args, **kwargs) -> list[str]:
        if application is None:
            return list(app_settings.SCOPES)
        return application.scope_list

    def get_default_scopes(self, application=None, request=None, *args, **kwargs) -> list[str]:
        return [app_settings.DEFAULT_SCOPE]
