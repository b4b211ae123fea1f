"""Async tests through the app: its database routes, and the profile route, which asks the upstream service."""

ADA = {"email": "ada@example.com", "name": "Ada", "password": "correct horse"}
CY = {"email": "cy@example.com", "name": "Cy", "password": "tr0ub4dor&3"}


async def test_create_and_list_users(client, auth_headers):
    created = await client.post("/users", json=ADA, headers=auth_headers)
    assert created.status_code == 201, created.text

    listed = await client.get("/users")
    assert [user["email"] for user in listed.json()] == [ADA["email"]]


async def test_profile_is_enriched_by_the_upstream_service(client, auth_headers):
    created = await client.post("/users", json=CY, headers=auth_headers)
    assert created.status_code == 201, created.text

    profile = await client.get(f"/users/{created.json()['id']}/profile")
    assert profile.status_code == 200, profile.text
    assert profile.json() == {**created.json(), "avatar_url": "https://avatars.example/cy.png", "followers": 12}


async def test_a_user_the_upstream_service_does_not_know_is_a_502(client, auth_headers):
    created = await client.post("/users", json=ADA, headers=auth_headers)
    assert created.status_code == 201, created.text

    profile = await client.get(f"/users/{created.json()['id']}/profile")
    assert profile.status_code == 502
    assert profile.json() == {"detail": "profile service unavailable"}
