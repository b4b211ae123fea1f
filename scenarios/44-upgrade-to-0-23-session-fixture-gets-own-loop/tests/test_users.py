"""Tutorial-style tests: one database for the session, so each test uses its own email addresses."""

ADA = {"email": "ada@example.com", "name": "Ada", "password": "correct horse"}
BOB = {"email": "bob@example.com", "name": "Bob", "password": "battery staple"}
CY = {"email": "cy@example.com", "name": "Cy", "password": "tr0ub4dor&3"}


async def test_create_then_get_user(client, auth_headers):
    created = await client.post("/users", json=ADA, headers=auth_headers)
    assert created.status_code == 201, created.text
    assert "password" not in created.json() and "password_hash" not in created.json()

    fetched = await client.get(f"/users/{created.json()['id']}")
    assert fetched.status_code == 200
    assert fetched.json()["email"] == ADA["email"]


async def test_new_user_is_listed(client, auth_headers):
    assert (await client.post("/users", json=BOB, headers=auth_headers)).status_code == 201

    listed = await client.get("/users")
    assert BOB["email"] in [user["email"] for user in listed.json()]


async def test_unknown_user_is_404(client):
    assert (await client.get("/users/424242")).status_code == 404


async def test_duplicate_email_is_409(client, auth_headers):
    assert (await client.post("/users", json=CY, headers=auth_headers)).status_code == 201
    assert (await client.post("/users", json=CY, headers=auth_headers)).status_code == 409
