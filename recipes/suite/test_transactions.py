"""Commits and rollbacks in one test: a conflict in the middle of several commits undoes only itself."""

import pytest
from suite_support import PEOPLE, assert_no_users, emails, register

# (how many are committed first, which of them is registered again)
CASES = [(count, again) for count in (1, 2, 3, 4) for again in range(count)]


@pytest.mark.parametrize(("count", "again"), CASES, ids=[f"{c}-again-{a}" for c, a in CASES])
async def test_a_conflict_after_commits_rolls_back_only_itself(client, auth_headers, count, again):
    await assert_no_users(client)
    group = PEOPLE[10:10 + count]
    for person in group:
        await register(client, auth_headers, person)
    assert (await client.post("/users", json=group[again], headers=auth_headers)).status_code == 409
    assert await emails(client) == [person["email"] for person in group]


@pytest.mark.parametrize("person", PEOPLE[20:30], ids=[p["name"].lower() for p in PEOPLE[20:30]])
async def test_a_commit_is_visible_to_the_next_request(client, auth_headers, person):
    await assert_no_users(client)
    user = await register(client, auth_headers, person)
    assert await emails(client) == [person["email"]]
    assert (await client.get(f"/users/{user['id']}")).json() == user
