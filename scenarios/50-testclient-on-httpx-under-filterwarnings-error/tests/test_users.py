"""Ordinary synchronous tests through Starlette's TestClient, as FastAPI's tutorial writes them."""

ADA = {"email": "ada@example.com", "name": "Ada", "password": "correct horse"}
BOB = {"email": "bob@example.com", "name": "Bob", "password": "battery staple"}


def test_create_then_get_user(client, auth_headers):
    created = client.post("/users", json=ADA, headers=auth_headers)
    assert created.status_code == 201, created.text

    fetched = client.get(f"/users/{created.json()['id']}")
    assert fetched.status_code == 200
    assert fetched.json()["email"] == ADA["email"]


def test_list_users(client, auth_headers):
    assert (client.post("/users", json=BOB, headers=auth_headers)).status_code == 201

    listed = client.get("/users")
    assert [user["email"] for user in listed.json()] == [BOB["email"]]


def test_duplicate_email_is_409(client, auth_headers):
    first = client.post("/users", json=ADA, headers=auth_headers)
    assert first.status_code == 201, first.text

    again = client.post("/users", json=ADA, headers=auth_headers)
    assert again.status_code == 409
    assert again.json() == {"detail": "email already registered"}
