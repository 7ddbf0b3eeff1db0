"""The fixture world: the named people and applications every test suite uses.

One function, `create_world`, creates them: `BaseTestCase` (tests/base.py, per test), the
fuzz tests (tests/test_fuzz.py, once per class), the schemathesis fixture
(tests/test_openapi.py), the live-server tests (`WorldMixin`, tests/base.py) and the
query-count fixture (tests/test_queries.py).

People (password "password" for all):
- alice: the owner of "Alice's App"; display name "Alice A."
- bob: another person, who signs in to applications
- charlie: staff and superuser

Applications (`APPS`). Every world has Alice's App; the others are created only where asked
for (`create_world("public_app", ...)` or `world.add("bob_app")`), so that a test counting
applications, or registering a title, sees only what it set up.
- app, "Alice's App": alice's confidential application (REDIRECT_URI; public, email)
- bob_app, "Bob's App": bob's confidential application, the same kind
- public_app, "Public App": alice's public client (PKCE): REDIRECT_URI, a loopback, a
  private-use and the out-of-band redirect URI
- service_app, "Service App": bob's confidential application allowed client credentials
- hidden_app, "Hidden App": bob's application, not approved (it exists only for bob)
- resource_server, "Resource Server": charlie's resource server (introspects any token)
"""

from __future__ import annotations

from accounts.models import User
from oauthapps import services
from oauthapps.models import Application

PASSWORD = "password"
REDIRECT_URI = "https://example.com/callback/"
LOOPBACK_URI = "http://127.0.0.1/callback"
NATIVE_URI = "com.example.app:/callback"
OOB_URI = "urn:ietf:wg:oauth:2.0:oob"
QUERY_URI = "https://example.com/with-query?keep=1"
# For clients of a live server (Authlib): loopback, nothing needs to listen there.
LIVE_REDIRECT_URI = "http://127.0.0.1:9/callback"

PEOPLE = {
    "alice": {"email": "alice@example.org", "display_name": "Alice A."},
    "bob": {"email": "bob@example.org"},
    "charlie": {"email": "charlie@example.org", "is_staff": True, "is_superuser": True},
}

# name: (owner, title, fields beyond the defaults of `application_fields`)
APPS: dict[str, tuple[str, str, dict]] = {
    "app": ("alice", "Alice's App", {}),
    "bob_app": ("bob", "Bob's App", {}),
    "public_app": (
        "alice",
        "Public App",
        {
            "client_type": Application.CLIENT_PUBLIC,
            "redirect_uris": f"{REDIRECT_URI} {LOOPBACK_URI} {NATIVE_URI} {OOB_URI}",
        },
    ),
    "service_app": (
        "bob",
        "Service App",
        {"redirect_uris": QUERY_URI, "allow_client_credentials": True},
    ),
    "hidden_app": ("bob", "Hidden App", {"approved": False}),
    "resource_server": ("charlie", "Resource Server", {"is_resource_server": True}),
}


def application_fields(**fields) -> dict:
    """An application's fields: confidential, REDIRECT_URI, public and email by default."""
    fields.setdefault("redirect_uris", REDIRECT_URI)
    fields.setdefault("client_type", Application.CLIENT_CONFIDENTIAL)
    fields.setdefault("allowed_scopes", "public email")
    return fields


class World:
    """The people (`alice`, `bob`, `charlie`) and the applications created so far: each
    as an attribute named as in `APPS` (`app`, `public_app`, ...), with its plain secret
    in `secrets` (`secret` is Alice's App's)."""

    alice: User
    bob: User
    charlie: User
    app: Application

    def __init__(self) -> None:
        self.people: dict[str, User] = {}
        self.apps: dict[str, Application] = {}
        self.secrets: dict[str, str] = {}

    @property
    def secret(self) -> str:
        return self.secrets["app"]

    def add(self, name: str, **changes) -> tuple[Application, str]:
        """Create the named application of `APPS` (with `changes` to its fields)."""
        owner, title, fields = APPS[name]
        app, secret = services.create_application(
            owner=self.people[owner], name=title, **application_fields(**{**fields, **changes})
        )
        self.apps[name], self.secrets[name] = app, secret
        setattr(self, name, app)
        return app, secret


def create_world(*apps: str, **changes: dict) -> World:
    """The people, Alice's App and the applications named in `apps`.

    `changes` adjust an application's fields for one suite, by name:
    `create_world(app={"allow_client_credentials": True})`.
    """
    unknown = (set(apps) | set(changes)) - set(APPS)
    assert not unknown, f"no such application in the world: {sorted(unknown)}"
    world = World()
    for username, fields in PEOPLE.items():
        fields = dict(fields)
        display_name = fields.pop("display_name", "")
        person = User.objects.create_user(username, password=PASSWORD, **fields)
        if display_name:
            person.display_name = display_name
            person.save()
        world.people[username] = person
        setattr(world, username, person)
    for name in ("app", *(name for name in apps if name != "app")):
        world.add(name, **changes.get(name, {}))
    return world
