"""What the recommended conftest must give every test: the app's lifespan, its routes, a real database, and a
clean slate. The isolation tests come in pairs that each write and then expect to be alone, in either order.
"""

import pytest
from sqlalchemy import func, select

from shared_app import User

ADA = {"email": "ada@example.com", "name": "Ada", "password": "correct horse"}
BOB = {"email": "bob@example.com", "name": "Bob", "password": "battery staple"}


async def test_create_then_get_user(client, auth_headers):
    created = await client.post("/users", json=ADA, headers=auth_headers)
    assert created.status_code == 201, created.text

    fetched = await client.get(f"/users/{created.json()['id']}")
    assert fetched.json() == {"id": created.json()["id"], "email": ADA["email"], "name": ADA["name"]}


@pytest.mark.parametrize("user", [ADA, BOB], ids=["ada", "bob"])
async def test_each_test_starts_with_no_users(client, auth_headers, db_session, user):
    # Both parameters commit a user through the route; each must find only its own.
    assert await db_session.scalar(select(func.count()).select_from(User)) == 0
    assert (await client.post("/users", json=user, headers=auth_headers)).status_code == 201
    assert [u["email"] for u in (await client.get("/users")).json()] == [user["email"]]


async def test_a_conflict_rolls_back_only_its_own_savepoint(client, auth_headers):
    # The route commits Ada, then its second INSERT fails and the route rolls back: with the test's
    # outer transaction joined by a savepoint, that rollback must not take Ada with it.
    assert (await client.post("/users", json=ADA, headers=auth_headers)).status_code == 201
    again = await client.post("/users", json=ADA, headers=auth_headers)
    assert again.status_code == 409, again.text
    assert [u["email"] for u in (await client.get("/users")).json()] == [ADA["email"]]


async def test_the_lifespan_ran_and_the_upstream_answers(client, auth_headers):
    created = await client.post("/users", json=BOB, headers=auth_headers)
    profile = await client.get(f"/users/{created.json()['id']}/profile")
    assert profile.status_code == 200, profile.text
    assert profile.json()["avatar_url"] == f"https://avatars.example/{BOB['email']}.png"


async def test_writes_need_the_token(client):
    refused = await client.post("/users", json=ADA, headers={"Authorization": "Bearer wrong"})
    assert refused.status_code == 401
    assert (await client.get("/users")).json() == []


async def test_unknown_user_is_404(client):
    assert (await client.get("/users/424242")).status_code == 404
