"""Tests written for the lab's pattern: the app works in the test's own transaction, rolled back after it."""

from shared_app import User
from shared_app.security import hash_password

ADA = {"email": "ada@example.com", "name": "Ada", "password": "correct horse"}
BOB = {"email": "bob@example.com", "name": "Bob", "password": "battery staple"}


async def test_a_user_added_by_the_test_is_served_by_the_app(client, db_session):
    dee = User(email="dee@example.com", name="Dee", password_hash=hash_password("correct horse"))
    db_session.add(dee)
    await db_session.flush()

    fetched = await client.get(f"/users/{dee.id}")
    assert fetched.status_code == 200, fetched.text
    assert fetched.json()["email"] == "dee@example.com"


async def test_create_then_get_user(client, auth_headers):
    created = await client.post("/users", json=ADA, headers=auth_headers)
    assert created.status_code == 201, created.text

    fetched = await client.get(f"/users/{created.json()['id']}")
    assert fetched.status_code == 200, fetched.text
    assert fetched.json()["email"] == ADA["email"]


async def test_list_users(client, auth_headers):
    assert (await client.post("/users", json=BOB, headers=auth_headers)).status_code == 201

    listed = await client.get("/users")
    assert [user["email"] for user in listed.json()] == [BOB["email"]]
