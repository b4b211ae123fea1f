"""Writes need the bearer token (401 without it, and nothing written); reads do not."""

import pytest
from suite_support import IDS, PEOPLE, assert_no_users, emails, register

BAD_HEADERS = {
    "none": {},
    "wrong-token": {"Authorization": "Bearer wrong"},
    "basic-scheme": {"Authorization": "Basic dGVzdC10b2tlbg=="},
    "no-scheme": {"Authorization": "test-token"},
    "empty-token": {"Authorization": "Bearer "},
    "token-with-suffix": {"Authorization": "Bearer test-token-and-more"},
}
CASES = [(name, person) for name in BAD_HEADERS for person in PEOPLE[:5]]


@pytest.mark.parametrize(("bad", "person"), CASES, ids=[f"{b}-{p['name'].lower()}" for b, p in CASES])
async def test_a_write_without_the_token_is_401_and_writes_nothing(client, auth_headers, bad, person):
    await assert_no_users(client)
    allowed = await register(client, auth_headers, person)
    intruder = {**PEOPLE[-1], "email": f"intruder.{person['email']}"}
    refused = await client.post("/users", json=intruder, headers=BAD_HEADERS[bad])
    assert refused.status_code == 401, refused.text
    assert refused.headers["www-authenticate"] == "Bearer"
    assert await emails(client) == [allowed["email"]]


@pytest.mark.parametrize("person", PEOPLE[5:15], ids=IDS[5:15])
async def test_reads_need_no_token(client, auth_headers, person):
    await assert_no_users(client)
    user = await register(client, auth_headers, person)
    assert (await client.get(f"/users/{user['id']}", headers={})).status_code == 200
    assert (await client.get("/users", headers={})).json() == [user]
