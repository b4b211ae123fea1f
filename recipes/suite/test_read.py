"""Reading users back: by id, a 404 for an id nobody has, and a profile enriched by the upstream service."""

import pytest
from suite_support import IDS, PEOPLE, assert_no_users, register


@pytest.mark.parametrize("person", PEOPLE[:30], ids=IDS[:30])
async def test_get_returns_what_create_committed(client, auth_headers, person):
    await assert_no_users(client)
    user = await register(client, auth_headers, person)
    fetched = await client.get(f"/users/{user['id']}")
    assert fetched.status_code == 200, fetched.text
    assert fetched.json() == user


@pytest.mark.parametrize("offset", range(1, 11))
async def test_an_id_nobody_has_is_404(client, auth_headers, offset):
    await assert_no_users(client)
    user = await register(client, auth_headers, PEOPLE[offset])
    missing = await client.get(f"/users/{user['id'] + offset}")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "user not found"}


@pytest.mark.parametrize("person", PEOPLE[:10], ids=IDS[:10])
async def test_the_profile_comes_from_the_upstream_service(client, auth_headers, person):
    await assert_no_users(client)
    user = await register(client, auth_headers, person)
    profile = await client.get(f"/users/{user['id']}/profile")
    assert profile.status_code == 200, profile.text
    assert profile.json() == {**user, "avatar_url": f"https://avatars.example/{person['email']}.png",
                              "followers": len(person["email"])}
