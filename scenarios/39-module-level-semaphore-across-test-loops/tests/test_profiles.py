"""A team's profiles, as the app serves them, agree with what the upstream service says, asked all at once."""

import asyncio

import pytest

TEAMS = {
    "red": ["ada", "bob", "cy", "dee"],
    "blue": ["eve", "fay", "gus", "hal"],
}


@pytest.mark.parametrize("team", TEAMS)
async def test_team_profiles_agree_with_the_upstream_service(team, client, auth_headers, upstream_profile):
    profiles = {}
    for name in TEAMS[team]:
        user = {"email": f"{name}@{team}.example", "name": name.title(), "password": "correct horse"}
        created = await client.post("/users", json=user, headers=auth_headers)
        assert created.status_code == 201, created.text
        profile = await client.get(f"/users/{created.json()['id']}/profile")
        assert profile.status_code == 200, profile.text
        profiles[user["email"]] = profile.json()

    direct = await asyncio.gather(*(upstream_profile(email) for email in profiles))

    for (email, profile), upstream in zip(profiles.items(), direct):
        assert profile["followers"] == upstream["followers"] == len(email)
        assert profile["avatar_url"] == upstream["avatar_url"]


async def test_users_are_listed_in_creation_order(client, auth_headers):
    for name in ["ivy", "jon"]:
        user = {"email": f"{name}@example.com", "name": name.title(), "password": "correct horse"}
        assert (await client.post("/users", json=user, headers=auth_headers)).status_code == 201

    listed = await client.get("/users")
    assert [user["name"] for user in listed.json()] == ["Ivy", "Jon"]
