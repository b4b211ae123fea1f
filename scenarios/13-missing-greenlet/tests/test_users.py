"""Tests that mix HTTP calls with rows the conftest's helpers write and read through the test's session."""

ADA = {"email": "ada@example.com", "name": "Ada", "password": "correct horse"}


async def test_seeded_user_is_served(client, make_user):
    user = await make_user("grace@example.com", "Grace", posts=["On compilers"])

    fetched = await client.get(f"/users/{user.id}")
    assert fetched.status_code == 200, fetched.text
    assert fetched.json() == {"id": user.id, "email": "grace@example.com", "name": "Grace"}
    assert [post.title for post in user.posts] == ["On compilers"]


async def test_user_created_through_the_api_is_stored(client, auth_headers, load_user):
    created = await client.post("/users", json=ADA, headers=auth_headers)
    assert created.status_code == 201, created.text

    stored = await load_user(ADA["email"])
    assert stored.id == created.json()["id"]
    assert stored.password_hash.startswith("pbkdf2_sha256$")
    assert stored.posts == []
