"""Ordinary tests through the API, and one plain sync test of the schema the session made."""

from sqlalchemy import func, select

from shared_app import Base, User

ADA = {"email": "ada@example.com", "name": "Ada", "password": "correct horse"}
BOB = {"email": "bob@example.com", "name": "Bob", "password": "battery staple"}


async def test_create_then_get_user(client, auth_headers):
    created = await client.post("/users", json=ADA, headers=auth_headers)
    assert created.status_code == 201, created.text

    fetched = await client.get(f"/users/{created.json()['id']}")
    assert fetched.status_code == 200
    assert fetched.json()["email"] == ADA["email"]


def test_the_database_has_a_table_for_every_model(table_names):
    assert sorted(table_names) == sorted(Base.metadata.tables)


async def test_list_users(client, auth_headers):
    assert (await client.post("/users", json=BOB, headers=auth_headers)).status_code == 201

    listed = await client.get("/users")
    assert [user["email"] for user in listed.json()] == [BOB["email"]]


async def test_duplicate_email_is_409_and_stores_one_user(client, auth_headers, db_session):
    assert (await client.post("/users", json=ADA, headers=auth_headers)).status_code == 201
    again = await client.post("/users", json=ADA, headers=auth_headers)
    assert again.status_code == 409
    assert again.json() == {"detail": "email already registered"}
    assert await db_session.scalar(select(func.count()).select_from(User)) == 1
