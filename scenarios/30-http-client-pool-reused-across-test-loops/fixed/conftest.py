"""Every test in a loop of its own, and the HTTP client to the upstream service made in each test too.

The database and the app are made per test, in the test's loop (a function-scoped engine), and so is the
`upstream` client: opened and closed in the test's loop, its connection pool never outlives that loop.
"""

import os

import httpx
import pytest
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient
from sqlalchemy.ext.asyncio import create_async_engine

from shared_app import Base, Settings, create_app
from shared_app.testing import serve_upstream

DATABASE_URL = os.environ["DATABASE_URL"]
API_TOKEN = "test-token"


@pytest.fixture(scope="session")
def upstream_url():
    with serve_upstream() as url:
        yield url


@pytest.fixture
async def upstream(upstream_url):
    """A client for checking the upstream service directly: made, used and closed in each test's loop."""
    async with httpx.AsyncClient(base_url=upstream_url) as client:
        yield client


@pytest.fixture
async def engine():
    engine = create_async_engine(DATABASE_URL)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.drop_all)
        await conn.run_sync(Base.metadata.create_all)
    yield engine
    await engine.dispose()


@pytest.fixture
async def client(engine, upstream_url):
    app = create_app(Settings(DATABASE_URL, upstream_url, API_TOKEN, create_schema=False))
    async with LifespanManager(app) as manager:
        async with AsyncClient(transport=ASGITransport(app=manager.app), base_url="http://test") as client:
            yield client


@pytest.fixture
def auth_headers():
    return {"Authorization": f"Bearer {API_TOKEN}"}
