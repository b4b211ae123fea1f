"""A duplicate email: the route's commit fails on the unique index, it rolls back and answers 409.

What the route committed before stays; what it rolled back is gone; and the session goes on working.
"""

import pytest
from suite_support import IDS, PEOPLE, assert_no_users, emails, register


@pytest.mark.parametrize("person", PEOPLE[:30], ids=IDS[:30])
async def test_a_duplicate_email_is_409_and_the_first_user_stays(client, auth_headers, person):
    await assert_no_users(client)
    first = await register(client, auth_headers, person)
    again = await client.post("/users", json=person, headers=auth_headers)
    assert again.status_code == 409, again.text
    assert again.json() == {"detail": "email already registered"}
    assert (await client.get("/users")).json() == [first]


@pytest.mark.parametrize("person", PEOPLE[30:], ids=IDS[30:])
async def test_the_same_email_under_another_name_is_409(client, auth_headers, person):
    await assert_no_users(client)
    first = await register(client, auth_headers, person)
    impostor = {**person, "name": f"Not {person['name']}"}
    assert (await client.post("/users", json=impostor, headers=auth_headers)).status_code == 409
    assert (await client.get(f"/users/{first['id']}")).json()["name"] == person["name"]


@pytest.mark.parametrize("person", PEOPLE[:15], ids=IDS[:15])
async def test_after_a_rolled_back_conflict_the_next_create_commits(client, auth_headers, person):
    await assert_no_users(client)
    other = PEOPLE[-1 - PEOPLE.index(person)]
    await register(client, auth_headers, person)
    assert (await client.post("/users", json=person, headers=auth_headers)).status_code == 409
    await register(client, auth_headers, other)
    assert await emails(client) == [person["email"], other["email"]]
