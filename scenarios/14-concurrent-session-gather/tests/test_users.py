"""Tests that read, through the API, the users a seeding fixture wrote."""

SEED_EMAILS = ["ada@example.com", "bob@example.com", "cy@example.com", "dee@example.com"]


async def test_seeded_users_are_listed(client, seeded_users):
    listed = await client.get("/users")
    assert listed.status_code == 200
    assert [user["email"] for user in listed.json()] == SEED_EMAILS


async def test_seeded_user_is_served(client, seeded_users):
    fetched = await client.get(f"/users/{seeded_users[2].id}")
    assert fetched.status_code == 200
    assert fetched.json() == {"id": seeded_users[2].id, "email": "cy@example.com", "name": "Cy"}


async def test_seeded_email_cannot_register_again(client, auth_headers, seeded_users):
    body = {"email": "bob@example.com", "name": "Bob Again", "password": "battery staple"}
    again = await client.post("/users", json=body, headers=auth_headers)
    assert again.status_code == 409
    assert len((await client.get("/users")).json()) == len(SEED_EMAILS)
