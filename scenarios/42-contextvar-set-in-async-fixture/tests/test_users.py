"""Arrange with the factories, act through the API, assert on what the app answers."""

from tests.factories import create_post, create_user


async def test_user_made_by_the_factory_is_served(client):
    ada = await create_user("Ada")

    fetched = await client.get(f"/users/{ada.id}")
    assert fetched.status_code == 200
    assert fetched.json() == {"id": ada.id, "email": "ada@example.com", "name": "Ada"}


async def test_users_are_listed_in_creation_order(client):
    bob = await create_user("Bob")
    cy = await create_user("Cy")
    await create_post(cy, "Hello")

    listed = await client.get("/users")
    assert [user["id"] for user in listed.json()] == [bob.id, cy.id]


async def test_user_created_through_the_api_is_listed_after_the_factory_one(client, auth_headers):
    dee = await create_user("Dee")

    eve = {"email": "eve@example.com", "name": "Eve", "password": "battery staple"}
    created = await client.post("/users", json=eve, headers=auth_headers)
    assert created.status_code == 201, created.text

    listed = await client.get("/users")
    assert [user["name"] for user in listed.json()] == [dee.name, "Eve"]
