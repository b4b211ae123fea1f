"""Writes need a bearer token. One test bypasses the check on purpose; the others check that it holds."""

ADA = {"email": "ada@example.com", "name": "Ada", "password": "correct horse"}
BOB = {"email": "bob@example.com", "name": "Bob", "password": "battery staple"}
EVE = {"email": "eve@example.com", "name": "Eve", "password": "not-a-token"}


async def test_admin_creates_user_without_a_token(client, as_admin):
    created = await client.post("/users", json=ADA)
    assert created.status_code == 201, created.text
    assert (await client.get(f"/users/{created.json()['id']}")).json()["email"] == ADA["email"]


async def test_create_user_with_the_token(client, auth_headers):
    created = await client.post("/users", json=BOB, headers=auth_headers)
    assert created.status_code == 201, created.text


async def test_create_user_without_a_token_is_401(client):
    response = await client.post("/users", json=EVE)
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"] == "Bearer"


async def test_create_user_with_a_wrong_token_is_401(client):
    response = await client.post("/users", json=EVE, headers={"Authorization": "Bearer wrong"})
    assert response.status_code == 401, response.text
    assert [user["email"] for user in (await client.get("/users")).json()] == []
