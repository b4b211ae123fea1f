"""Tests on a seeded team of users; the app's requests share the test's database session."""

TEAM = ["admin@example.com", "ada@example.com", "bob@example.com"]
CY = {"email": "cy@example.com", "name": "Cy", "password": "tr0ub4dor&3"}


async def test_list_users_shows_the_team(client, team):
    listed = await client.get("/users")
    assert listed.status_code == 200, listed.text
    assert [user["email"] for user in listed.json()] == TEAM


async def test_get_a_team_member(client, team):
    fetched = await client.get(f"/users/{team['ada@example.com'].id}")
    assert fetched.status_code == 200, fetched.text
    assert fetched.json()["name"] == "Ada"


async def test_signup_joins_the_team(client, team, auth_headers):
    created = await client.post("/users", json=CY, headers=auth_headers)
    assert created.status_code == 201, created.text

    listed = await client.get("/users")
    assert [user["email"] for user in listed.json()] == [*TEAM, CY["email"]]
