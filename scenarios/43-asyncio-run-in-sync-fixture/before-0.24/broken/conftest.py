"""Empty tables before each test, made by a plain sync fixture that runs the async code with `asyncio.run()`.

Every test and async fixture runs in one session-wide loop; each test gets the app with its lifespan and its
own engine. The schema is dropped and re-created before each test, by a sync autouse fixture: `asyncio.run()`
makes a loop of its own, runs the coroutine, closes that loop, and sets the thread's current loop to None.
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


@pytest.fixture(scope="session")
def event_loop():
    """One loop for the whole session: every async fixture and every test run on it."""
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


async def recreate_schema(url):
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.drop_all)
        await conn.run_sync(Base.metadata.create_all)
    await engine.dispose()


@pytest.fixture(autouse=True)
def fresh_schema():
    """Every test starts from empty tables."""
    asyncio.run(recreate_schema(DATABASE_URL))


@pytest.fixture
async def client(upstream_url):
    app = create_app(Settings(DATABASE_URL, upstream_url, API_TOKEN, create_schema=False))
    async with LifespanManager(app) as manager:
        async with AsyncClient(transport=ASGITransport(app=manager.app), base_url="http://test") as client:
            yield client


@pytest.fixture
def auth_headers():
    return {"Authorization": f"Bearer {API_TOKEN}"}
