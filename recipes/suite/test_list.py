"""Listing users: everyone committed so far, in the order they were created, and no one else."""

import pytest
from suite_support import PEOPLE, assert_no_users, emails, register

# (how many, starting where): 20 lists of 1 to 5 people, overlapping so that a leak collides somewhere
CASES = [(count, start) for count in (1, 2, 3, 5) for start in (0, 7, 14, 21, 28)]


@pytest.mark.parametrize(("count", "start"), CASES, ids=[f"{c}-from-{s}" for c, s in CASES])
async def test_list_shows_exactly_the_users_created_in_order(client, auth_headers, count, start):
    await assert_no_users(client)
    group = PEOPLE[start:start + count]
    created = [await register(client, auth_headers, person) for person in group]
    assert [user["id"] for user in created] == sorted(user["id"] for user in created)
    listed = await client.get("/users")
    assert listed.json() == created
    assert await emails(client) == [person["email"] for person in group]
