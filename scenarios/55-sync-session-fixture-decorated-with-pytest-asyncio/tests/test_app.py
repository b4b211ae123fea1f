"""The app's routes, its lifespan and a real database, each test in a loop and a transaction of its own."""

import pytest

pytestmark = pytest.mark.asyncio

ADA = {"email": "ada@example.com", "name": "Ada", "password": "correct horse"}
BOB = {"email": "bob@example.com", "name": "Bob", "password": "battery staple"}


async def test_create_then_get_user(client, auth_headers):
    created = await client.post("/users", json=ADA, headers=auth_headers)
    assert created.status_code == 201, created.text

    fetched = await client.get(f"/users/{created.json()['id']}")
    assert fetched.json() == {"id": created.json()["id"], "email": ADA["email"], "name": ADA["name"]}


async def test_list_users(client, auth_headers):
    # Ada, from the test before, was rolled back with its transaction.
    assert (await client.post("/users", json=BOB, headers=auth_headers)).status_code == 201
    assert [user["email"] for user in (await client.get("/users")).json()] == [BOB["email"]]


async def test_the_lifespan_ran_and_the_upstream_answers(client, auth_headers):
    created = await client.post("/users", json=BOB, headers=auth_headers)
    profile = await client.get(f"/users/{created.json()['id']}/profile")
    assert profile.status_code == 200, profile.text
    assert profile.json()["avatar_url"] == f"https://avatars.example/{BOB['email']}.png"


async def test_unknown_user_is_404(client):
    assert (await client.get("/users/424242")).status_code == 404
