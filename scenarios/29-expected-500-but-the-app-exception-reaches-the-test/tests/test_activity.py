"""The activity route: the upstream service's outage is not handled by the app, so a client gets a 500."""

ADA = {"email": "ada@example.com", "name": "Ada", "password": "correct horse"}
OPS = {"email": "ops@outage.example", "name": "Ops", "password": "tr0ub4dor&3"}


async def test_activity_comes_from_the_upstream_service(client, auth_headers):
    created = await client.post("/users", json=ADA, headers=auth_headers)
    assert created.status_code == 201, created.text

    activity = await client.get(f"/users/{created.json()['id']}/activity")
    assert activity.status_code == 200, activity.text
    assert activity.json() == {"email": ADA["email"], "events": []}


async def test_an_upstream_outage_is_a_500_for_the_client(client, auth_headers):
    created = await client.post("/users", json=OPS, headers=auth_headers)
    assert created.status_code == 201, created.text

    activity = await client.get(f"/users/{created.json()['id']}/activity")
    assert activity.status_code == 500
    assert activity.text == "Internal Server Error"
