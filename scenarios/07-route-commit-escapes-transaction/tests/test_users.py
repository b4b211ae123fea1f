"""Tests of the route that commits, and of its IntegrityError path that rolls back before answering 409."""

ADA = {"email": "ada@example.com", "name": "Ada", "password": "correct horse"}
BOB = {"email": "bob@example.com", "name": "Bob", "password": "battery staple"}
CY = {"email": "cy@example.com", "name": "Cy", "password": "tr0ub4dor&3"}


async def test_duplicate_email_is_409_and_other_users_stay(client, auth_headers):
    assert (await client.post("/users", json=ADA, headers=auth_headers)).status_code == 201

    again = await client.post("/users", json=ADA, headers=auth_headers)
    assert again.status_code == 409, again.text

    assert (await client.post("/users", json=CY, headers=auth_headers)).status_code == 201
    listed = await client.get("/users")
    assert [user["email"] for user in listed.json()] == [ADA["email"], CY["email"]]


async def test_list_users(client, auth_headers):
    assert (await client.post("/users", json=BOB, headers=auth_headers)).status_code == 201

    listed = await client.get("/users")
    assert [user["email"] for user in listed.json()] == [BOB["email"]]
