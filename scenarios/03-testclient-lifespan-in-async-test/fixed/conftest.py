"""The lifespan run by asgi-lifespan's LifespanManager, on the test's own loop, instead of TestClient.

What the lifespan opens now belongs to the loop the async tests and their requests run on.
"""

import os

import pytest
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient

from shared_app import Settings, create_app
from shared_app.testing import serve_upstream

DATABASE_URL = os.environ["DATABASE_URL"]
API_TOKEN = "test-token"


@pytest.fixture(scope="session")
def upstream_url():
    with serve_upstream() as url:
        yield url


@pytest.fixture
def app(upstream_url):
    return create_app(Settings(DATABASE_URL, upstream_url, API_TOKEN))


@pytest.fixture
async def client(app):
    async with LifespanManager(app) as manager:  # runs startup on this test's loop
        async with AsyncClient(transport=ASGITransport(app=manager.app), base_url="http://test") as client:
            yield client


@pytest.fixture
def auth_headers():
    return {"Authorization": f"Bearer {API_TOKEN}"}
