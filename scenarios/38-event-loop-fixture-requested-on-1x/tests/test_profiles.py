"""Tests of the profile route, one checked against what the upstream profile service itself answers."""

ADA = {"email": "ada@example.com", "name": "Ada", "password": "correct horse"}
CY = {"email": "cy@example.com", "name": "Cy", "password": "tr0ub4dor&3"}


async def test_profile_matches_the_upstream_service(client, auth_headers, upstream_profile):
    created = await client.post("/users", json=CY, headers=auth_headers)
    assert created.status_code == 201, created.text

    profile = await client.get(f"/users/{created.json()['id']}/profile")
    assert profile.status_code == 200, profile.text
    assert profile.json() == {**created.json(), **await upstream_profile(CY["email"])}


async def test_create_and_list_users(client, auth_headers):
    created = await client.post("/users", json=ADA, headers=auth_headers)
    assert created.status_code == 201, created.text

    listed = await client.get("/users")
    assert [user["email"] for user in listed.json()] == [ADA["email"]]


async def test_unknown_user_has_no_profile(client):
    assert (await client.get("/users/424242/profile")).status_code == 404
