"""Database queries per request on the hot paths (issue 5: as few as Django allows).

The test database wraps each test in a transaction, so the token view's own transaction
shows up as a SAVEPOINT and its RELEASE: two of the counted queries, which in production
are BEGIN and COMMIT.
"""

import pytest
from django.core.cache import cache

from tests.world import REDIRECT_URI, create_world


@pytest.fixture
def app_and_secret(db):
    """Alice's App of the world (tests/world.py), allowed client credentials."""
    cache.clear()
    world = create_world(app={"allow_client_credentials": True})
    return world.app, world.secret


@pytest.fixture
def credentials(app_and_secret):
    app, secret = app_and_secret
    return {"client_id": app.client_id, "client_secret": secret}


def code_for(client, app) -> str:
    client.force_login(app.user)
    query = f"response_type=code&client_id={app.client_id}&redirect_uri={REDIRECT_URI}"
    response = client.post(f"/oauth/authorize/?{query}", {"authorize": "1"})
    client.logout()
    return response["Location"].split("code=")[1].split("&")[0]


@pytest.fixture
def pair(client, app_and_secret, credentials):
    app, _ = app_and_secret
    data = {"grant_type": "authorization_code", "code": code_for(client, app), **credentials}
    return client.post("/oauth/token/", data).json()


def test_it_answers_whoami_with_one_query(client, pair, django_assert_num_queries):
    with django_assert_num_queries(1):  # the token with its user and application
        r = client.get("/api/whoami/", HTTP_AUTHORIZATION=f"Bearer {pair['access_token']}")
    assert r.json()["is_authenticated"] is True


def test_it_introspects_with_two_queries(client, pair, credentials, django_assert_num_queries):
    with django_assert_num_queries(2):  # the client, the token
        r = client.post("/oauth/introspect", {"token": pair["access_token"], **credentials})
    assert r.json()["active"] is True


def test_it_issues_client_credentials_tokens_with_two_queries(
    client, credentials, django_assert_num_queries
):
    data = {"grant_type": "client_credentials", **credentials}
    with django_assert_num_queries(2):  # the client, the insert (no transaction: one write)
        r = client.post("/oauth/token/", data)
    assert r.status_code == 200


def test_it_exchanges_a_code_with_five_queries(
    client, app_and_secret, credentials, django_assert_num_queries
):
    app, _ = app_and_secret
    data = {"grant_type": "authorization_code", "code": code_for(client, app), **credentials}
    # The client, the code (locked), two inserts, marking the code redeemed.
    with django_assert_num_queries(5 + 2):
        r = client.post("/oauth/token/", data)
    assert r.status_code == 200


def test_it_refreshes_with_six_queries(client, pair, credentials, django_assert_num_queries):
    data = {"grant_type": "refresh_token", "refresh_token": pair["refresh_token"], **credentials}
    # The client, the refresh token (locked, with its access token), retiring both, two
    # inserts.
    with django_assert_num_queries(6 + 2):
        r = client.post("/oauth/token/", data)
    assert r.status_code == 200


def test_it_revokes_with_five_queries(client, pair, credentials, django_assert_num_queries):
    # The client, the token with its family, then locking, revoking and deleting the family
    # (one UPDATE and one DELETE, no cascade collection), in a transaction.
    with django_assert_num_queries(5 + 2):
        r = client.post("/oauth/revoke", {"token": pair["access_token"], **credentials})
    assert r.status_code == 200
