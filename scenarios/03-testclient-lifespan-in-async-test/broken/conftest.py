"""Starlette's TestClient, entered only "so that the lifespan runs", then async tests through httpx.

TestClient runs the app, lifespan included, on an event loop of its own in another thread (an anyio
blocking portal). What the lifespan opens there is then used by async tests on pytest-asyncio's loop.
"""

import os

import pytest
from fastapi.testclient import TestClient
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
    with TestClient(app):  # runs startup (schema, aiohttp session) ... on TestClient's own loop
        async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client:
            yield client


@pytest.fixture
def auth_headers():
    return {"Authorization": f"Bearer {API_TOKEN}"}
