"""Ordinary tests through the API. Each starts from empty tables."""

ADA = {"email": "ada@example.com", "name": "Ada", "password": "correct horse"}
BOB = {"email": "bob@example.com", "name": "Bob", "password": "battery staple"}


async def test_create_then_get_user(client, auth_headers):
    created = await client.post("/users", json=ADA, headers=auth_headers)
    assert created.status_code == 201, created.text
    assert "password" not in created.json() and "password_hash" not in created.json()

    fetched = await client.get(f"/users/{created.json()['id']}")
    assert fetched.status_code == 200
    assert fetched.json()["email"] == ADA["email"]


async def test_list_users(client, auth_headers):
    assert (await client.post("/users", json=BOB, headers=auth_headers)).status_code == 201

    listed = await client.get("/users")
    assert [user["email"] for user in listed.json()] == [BOB["email"]]


async def test_same_email_again_in_a_new_test_is_accepted(client, auth_headers):
    assert (await client.post("/users", json=ADA, headers=auth_headers)).status_code == 201
    assert (await client.post("/users", json=ADA, headers=auth_headers)).status_code == 409


async def test_unknown_user_is_404(client):
    assert (await client.get("/users/424242")).status_code == 404
