"""The user feed: a server-sent-events stream, read the way a browser's EventSource reads it."""

import json

ADA = {"email": "ada@example.com", "name": "Ada", "password": "correct horse"}
BOB = {"email": "bob@example.com", "name": "Bob", "password": "battery staple"}


async def read_events(response, count):
    """The first `count` events of an open `text/event-stream` response, each as a dict of its fields."""
    events, fields = [], {}
    async for line in response.aiter_lines():
        if line:
            name, _, value = line.partition(": ")
            fields[name] = value
        elif fields:  # a blank line ends an event
            events.append(fields)
            fields = {}
            if len(events) == count:
                return events
    raise AssertionError(f"the stream ended after {len(events)} events")


async def test_create_and_list_users(client, auth_headers):
    assert (await client.post("/users", json=ADA, headers=auth_headers)).status_code == 201

    listed = await client.get("/users")
    assert [user["email"] for user in listed.json()] == [ADA["email"]]


async def test_the_feed_streams_every_user_so_far(client, auth_headers):
    created = []
    for person in (ADA, BOB):
        response = await client.post("/users", json=person, headers=auth_headers)
        assert response.status_code == 201, response.text
        created.append(response.json())

    async with client.stream("GET", "/users/feed") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = await read_events(response, 2)

    assert [event["event"] for event in events] == ["user", "user"]
    assert [event["id"] for event in events] == [str(user["id"]) for user in created]
    assert [json.loads(event["data"]) for event in events] == created
