"""The app's routes and database, on the loop the project chose: uvloop, for the tests and the fixtures alike."""

import asyncio

import uvloop

ADA = {"email": "ada@example.com", "name": "Ada", "password": "correct horse"}
BOB = {"email": "bob@example.com", "name": "Bob", "password": "battery staple"}


async def test_the_tests_run_on_uvloop(client):
    assert isinstance(asyncio.get_running_loop(), uvloop.Loop)
    assert (await client.get("/health")).status_code == 200


async def test_create_then_get_user(client, auth_headers):
    created = await client.post("/users", json=ADA, headers=auth_headers)
    assert created.status_code == 201, created.text

    fetched = await client.get(f"/users/{created.json()['id']}")
    assert fetched.json() == {"id": created.json()["id"], "email": ADA["email"], "name": ADA["name"]}


async def test_list_users(client, auth_headers):
    assert (await client.post("/users", json=BOB, headers=auth_headers)).status_code == 201
    assert [user["email"] for user in (await client.get("/users")).json()] == [BOB["email"]]


async def test_the_lifespan_ran_and_the_upstream_answers(client, auth_headers):
    created = await client.post("/users", json=BOB, headers=auth_headers)
    profile = await client.get(f"/users/{created.json()['id']}/profile")
    assert profile.status_code == 200, profile.text
    assert profile.json()["avatar_url"] == f"https://avatars.example/{BOB['email']}.png"
