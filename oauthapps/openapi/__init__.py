"""The OpenAPI 3 description of the OAuth and OpenID Connect endpoints.

They are plain Django views that drf-spectacular cannot see, so `add_oauth_endpoints`,
a postprocessing hook (SPECTACULAR_SETTINGS), merges their operations
(operations.py, keyed by URL name: the path comes from oauthapps/urls.py) and the shared
components (components.py) into the document drf-spectacular generates for the DRF
views. Error examples are built from the error catalogue, so they cannot drift from
what the endpoints answer; `tests/test_openapi.py` runs schemathesis against the site
with the document.
"""

from __future__ import annotations

import copy

from django.urls import reverse

from oauthapps.openapi import operations
from oauthapps.openapi.components import HEADERS, SCHEMAS, SECURITY_SCHEMES

# Headers every response with this status carries, on every endpoint.
STATUS_HEADERS = {"401": ["WWW-Authenticate"], "429": ["Retry-After"], "503": ["Retry-After"]}


def oauth_paths() -> dict[str, dict]:
    """Path -> operations, each path the canonical route of its URL name."""
    return {
        reverse(f"oauthapps:{name}"): copy.deepcopy(methods)
        for name, methods in operations.OPERATIONS.items()
    }


def add_oauth_endpoints(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook: the OAuth endpoints and shared components."""
    result = copy.deepcopy(result)
    paths = {**result["paths"], **oauth_paths()}
    components = result.setdefault("components", {})
    components.setdefault("schemas", {}).update(copy.deepcopy(SCHEMAS))
    components.setdefault("securitySchemes", {}).update(copy.deepcopy(SECURITY_SCHEMES))
    components.setdefault("headers", {}).update(copy.deepcopy(HEADERS))
    for item in paths.values():
        for operation in item.values():
            for status, answer in operation.get("responses", {}).items():
                for name in STATUS_HEADERS.get(status, []):
                    answer.setdefault("headers", {})[name] = {
                        "$ref": "#/components/headers/" + name
                    }
    result["paths"] = dict(sorted(paths.items()))
    return result
