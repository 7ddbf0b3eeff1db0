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
