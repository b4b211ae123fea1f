"""One app for the whole test session, used as it is in production: its own lazily built engine.

Building the app is cheap (its `Database` connects on first use), so it is made once per session. Each
test gets a fresh schema through that same engine and talks to the app through httpx. Every test runs in
its own event loop (`asyncio_default_fixture_loop_scope = function`), but the engine, and its pool, is
built once: by the first test, in the first test's loop.
"""

import os

import pytest
from httpx import ASGITransport, AsyncClient

from shared_app import Base, Settings, create_app
from shared_app.testing import serve_upstream

DATABASE_URL = os.environ["DATABASE_URL"]
API_TOKEN = "test-token"


@pytest.fixture(scope="session")
def upstream_url():
    with serve_upstream() as url:
        yield url


@pytest.fixture(scope="session")
def app(upstream_url):
    return create_app(Settings(DATABASE_URL, upstream_url, API_TOKEN, create_schema=False))


@pytest.fixture(autouse=True)
async def clean_schema(app):
    async with app.state.db.engine.begin() as conn:  # the app's own engine, built on first use
        await conn.run_sync(Base.metadata.drop_all)
        await conn.run_sync(Base.metadata.create_all)


@pytest.fixture
async def client(app):
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client:
        yield client


@pytest.fixture
def auth_headers():
    return {"Authorization": f"Bearer {API_TOKEN}"}
