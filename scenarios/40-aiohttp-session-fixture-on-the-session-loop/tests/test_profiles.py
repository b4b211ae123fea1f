"""Each user's profile, as the app serves it, agrees with what the upstream service itself says."""

import pytest

PEOPLE = ["ada", "bob", "cy"]


@pytest.mark.parametrize("name", PEOPLE)
async def test_profile_agrees_with_the_upstream_service(name, client, upstream, auth_headers):
    user = {"email": f"{name}@example.com", "name": name.title(), "password": "correct horse"}
    created = await client.post("/users", json=user, headers=auth_headers)
    assert created.status_code == 201, created.text

    profile = await client.get(f"/users/{created.json()['id']}/profile")
    assert profile.status_code == 200, profile.text
    async with upstream.get("/profiles", params={"email": user["email"]}) as direct:
        assert direct.status == 200
        expected = await direct.json()
    assert profile.json()["followers"] == expected["followers"]
    assert profile.json()["avatar_url"] == expected["avatar_url"]


async def test_users_are_listed_in_creation_order(client, auth_headers):
    for name in ["dee", "eve"]:
        user = {"email": f"{name}@example.com", "name": name.title(), "password": "correct horse"}
        assert (await client.post("/users", json=user, headers=auth_headers)).status_code == 201

    listed = await client.get("/users")
    assert [user["name"] for user in listed.json()] == ["Dee", "Eve"]
