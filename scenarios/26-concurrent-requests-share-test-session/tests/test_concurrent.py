"""Two clients registering at the same moment, as a test of the app under concurrent requests."""

import asyncio

ADA = {"email": "ada@example.com", "name": "Ada", "password": "correct horse"}
BOB = {"email": "bob@example.com", "name": "Bob", "password": "battery staple"}


async def test_two_registrations_at_once(client, auth_headers):
    ada, bob = await asyncio.gather(
        client.post("/users", json=ADA, headers=auth_headers),
        client.post("/users", json=BOB, headers=auth_headers),
    )
    assert (ada.status_code, bob.status_code) == (201, 201), (ada.text, bob.text)

    listed = await client.get("/users")
    assert sorted(user["email"] for user in listed.json()) == [ADA["email"], BOB["email"]]


async def test_each_test_starts_empty(client):
    listed = await client.get("/users")
    assert listed.json() == []
