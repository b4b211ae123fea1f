"""Creating users: the route validates, hashes the password, commits, and answers 201."""

import pytest
from suite_support import IDS, PEOPLE, assert_no_users, emails, register


@pytest.mark.parametrize("person", PEOPLE, ids=IDS)
async def test_create_answers_201_without_the_password(client, auth_headers, person):
    await assert_no_users(client)
    user = await register(client, auth_headers, person)
    assert isinstance(user["id"], int)
    assert user == {"id": user["id"], "email": person["email"], "name": person["name"]}


INVALID = {
    "email-without-at": {"email": "nobody.example.com"},
    "email-with-space": {"email": "no body@example.com"},
    "email-without-domain-dot": {"email": "nobody@example"},
    "short-password": {"password": "short"},
    "empty-name": {"name": ""},
    "long-name": {"name": "x" * 201},
    "missing-password": {"password": None},
    "missing-email": {"email": None},
}


@pytest.mark.parametrize("change", INVALID.values(), ids=INVALID.keys())
async def test_an_invalid_body_is_422_and_writes_nothing(client, auth_headers, change):
    await assert_no_users(client)
    valid = await register(client, auth_headers, PEOPLE[0])
    body = {key: value for key, value in {**PEOPLE[1], **change}.items() if value is not None}
    refused = await client.post("/users", json=body, headers=auth_headers)
    assert refused.status_code == 422, refused.text
    assert await emails(client) == [valid["email"]]
