"""Ordinary tests over a seeded database: every test can rely on Grace, the user the conftest seeds.

Each test's own writes are rolled back, so the tests do not depend on each other or on their order.
"""

ADA = {"email": "ada@example.com", "name": "Ada", "password": "correct horse"}
BOB = {"email": "bob@example.com", "name": "Bob", "password": "battery staple"}


async def test_seeded_user_is_served(client, seeded_user):
    fetched = await client.get(f"/users/{seeded_user['id']}")
    assert fetched.status_code == 200, fetched.text
    assert fetched.json() == seeded_user


async def test_seeded_email_is_taken(client, auth_headers, seeded_user):
    grace = {"email": seeded_user["email"], "name": "Another Grace", "password": "a new password"}
    again = await client.post("/users", json=grace, headers=auth_headers)
    assert again.status_code == 409, again.text
    assert again.json() == {"detail": "email already registered"}


async def test_create_then_get_user(client, auth_headers):
    created = await client.post("/users", json=ADA, headers=auth_headers)
    assert created.status_code == 201, created.text

    fetched = await client.get(f"/users/{created.json()['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == {"id": created.json()["id"], "email": ADA["email"], "name": ADA["name"]}


async def test_list_users(client, auth_headers, seeded_user):
    assert (await client.post("/users", json=BOB, headers=auth_headers)).status_code == 201

    listed = await client.get("/users")
    assert [user["email"] for user in listed.json()] == [seeded_user["email"], BOB["email"]]


async def test_duplicate_email_is_409(client, auth_headers):
    first = await client.post("/users", json=ADA, headers=auth_headers)
    assert first.status_code == 201, first.text

    again = await client.post("/users", json=ADA, headers=auth_headers)
    assert again.status_code == 409
    assert again.json() == {"detail": "email already registered"}


async def test_profile_comes_from_the_upstream_service(client, auth_headers):
    created = await client.post("/users", json=BOB, headers=auth_headers)
    assert created.status_code == 201, created.text

    profile = await client.get(f"/users/{created.json()['id']}/profile")
    assert profile.status_code == 200, profile.text
    assert profile.json() == {
        **created.json(),
        "avatar_url": f"https://avatars.example/{BOB['email']}.png",
        "followers": len(BOB["email"]),
    }
