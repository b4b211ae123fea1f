"""Two routes that call the upstream service through the lifespan's aiohttp session: one finds it on
`request.app.state`, the other in the lifespan state, `request.state`."""

ADA = {"email": "ada@example.com", "name": "Ada", "password": "correct horse"}
CY = {"email": "cy@example.com", "name": "Cy", "password": "tr0ub4dor&3"}


async def test_profile_reads_the_session_from_app_state(client, auth_headers):
    created = await client.post("/users", json=ADA, headers=auth_headers)
    assert created.status_code == 201, created.text

    profile = await client.get(f"/users/{created.json()['id']}/profile")
    assert profile.status_code == 200, profile.text
    assert profile.json()["followers"] == len(ADA["email"])


async def test_avatar_reads_the_session_from_the_lifespan_state(client, auth_headers):
    created = await client.post("/users", json=CY, headers=auth_headers)
    assert created.status_code == 201, created.text

    avatar = await client.get(f"/users/{created.json()['id']}/avatar")
    assert avatar.status_code == 200, avatar.text
    assert avatar.json() == {"avatar_url": "https://avatars.example/cy@example.com.png"}
