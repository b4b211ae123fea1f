"""Tests that call the app, then look into the database itself through `db_session`."""

from sqlalchemy import func, select

from shared_app import User

ADA = {"email": "ada@example.com", "name": "Ada", "password": "correct horse"}
BOB = {"email": "bob@example.com", "name": "Bob", "password": "battery staple"}


async def test_signup_stores_only_a_password_hash(client, auth_headers, db_session):
    created = await client.post("/users", json=ADA, headers=auth_headers)
    assert created.status_code == 201, created.text

    user = await db_session.get(User, created.json()["id"])
    assert user is not None and user.email == ADA["email"]
    assert user.password_hash.startswith("pbkdf2_sha256$")
    assert ADA["password"] not in user.password_hash


async def test_duplicate_email_is_409_and_stores_nothing(client, auth_headers, db_session):
    assert (await client.post("/users", json=BOB, headers=auth_headers)).status_code == 201
    again = await client.post("/users", json=BOB, headers=auth_headers)
    assert again.status_code == 409, again.text

    count = await db_session.scalar(select(func.count()).select_from(User).where(User.email == BOB["email"]))
    assert count == 1


async def test_unknown_user_is_404(client):
    assert (await client.get("/users/424242")).status_code == 404
