"""Each user's profile, as the app serves it, agrees with what the upstream service itself says."""

import pytest

PEOPLE = ["ada", "bob", "cy", "dee"]


@pytest.mark.parametrize("name", PEOPLE)
async def test_profile_agrees_with_the_upstream_service(name, client, upstream, auth_headers):
    user = {"email": f"{name}@example.com", "name": name.title(), "password": "correct horse"}
    created = await client.post("/users", json=user, headers=auth_headers)
    assert created.status_code == 201, created.text

    profile = await client.get(f"/users/{created.json()['id']}/profile")
    assert profile.status_code == 200, profile.text
    direct = await upstream.get("/profiles", params={"email": user["email"]})
    assert direct.status_code == 200
    assert profile.json()["followers"] == direct.json()["followers"]
    assert profile.json()["avatar_url"] == direct.json()["avatar_url"]
