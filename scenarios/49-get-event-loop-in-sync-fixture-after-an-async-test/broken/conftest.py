"""Empty tables before each test, made by a plain sync fixture that drives the async code itself.

Every test gets its own event loop (pytest-asyncio's default), the app with its lifespan, and its own
engine. The schema is dropped and re-created before each test by a sync autouse fixture written the way
asyncio code was driven before `asyncio.run()`: it takes the thread's loop with `asyncio.get_event_loop()`
and runs the coroutine to completion in it.
"""

import asyncio
import os

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


async def recreate_schema(url):
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.drop_all)
        await conn.run_sync(Base.metadata.create_all)
    await engine.dispose()


@pytest.fixture(autouse=True)
def fresh_schema():
    """Every test starts from empty tables."""
    loop = asyncio.get_event_loop()
    loop.run_until_complete(recreate_schema(DATABASE_URL))


@pytest.fixture
async def client(upstream_url):
    app = create_app(Settings(DATABASE_URL, upstream_url, API_TOKEN, create_schema=False))
    async with LifespanManager(app) as manager:
        async with AsyncClient(transport=ASGITransport(app=manager.app), base_url="http://test") as client:
            yield client


@pytest.fixture
def auth_headers():
    return {"Authorization": f"Bearer {API_TOKEN}"}
