"""Tests that each expect an empty `users` table at the start, as the per-test transaction promises."""

ADA = {"email": "ada@example.com", "name": "Ada", "password": "correct horse"}
BOB = {"email": "bob@example.com", "name": "Bob", "password": "battery staple"}
CY = {"email": "cy@example.com", "name": "Cy", "password": "tr0ub4dor&3"}


async def test_create_then_list_user(client, auth_headers):
    created = await client.post("/users", json=ADA, headers=auth_headers)
    assert created.status_code == 201, created.text

    listed = await client.get("/users")
    assert [user["email"] for user in listed.json()] == [ADA["email"]]


async def test_duplicate_email_is_409_and_other_users_stay(client, auth_headers):
    assert (await client.post("/users", json=BOB, headers=auth_headers)).status_code == 201

    again = await client.post("/users", json=BOB, headers=auth_headers)
    assert again.status_code == 409, again.text

    assert (await client.post("/users", json=CY, headers=auth_headers)).status_code == 201
    listed = await client.get("/users")
    assert [user["email"] for user in listed.json()] == [BOB["email"], CY["email"]]


async def test_list_users_is_empty(client):
    listed = await client.get("/users")
    assert listed.json() == []
