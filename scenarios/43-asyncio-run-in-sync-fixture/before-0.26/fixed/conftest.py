"""Empty tables before each test, made by an async fixture that awaits the async code in the session loop.

Every test and async fixture runs in one session-wide loop; each test gets the app with its lifespan and its
own engine. The schema is dropped and re-created before each test, by an async autouse fixture: it runs in
the same loop as the tests, and leaves the thread's current loop alone.
"""

import os

import pytest
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient
from pytest_asyncio import is_async_test
from sqlalchemy.ext.asyncio import create_async_engine

from shared_app import Base, Settings, create_app
from shared_app.testing import serve_upstream

DATABASE_URL = os.environ["DATABASE_URL"]
API_TOKEN = "test-token"


@pytest.fixture(scope="session")
def upstream_url():
    with serve_upstream() as url:
        yield url


def pytest_collection_modifyitems(items):
    """Run every async test in the session's loop, where the async fixtures run."""
    for item in items:
        if is_async_test(item):
            item.add_marker(pytest.mark.asyncio(loop_scope="session"), append=False)


async def recreate_schema(url):
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.drop_all)
        await conn.run_sync(Base.metadata.create_all)
    await engine.dispose()


@pytest.fixture(autouse=True)
async def fresh_schema():
    """Every test starts from empty tables."""
    await recreate_schema(DATABASE_URL)


@pytest.fixture
async def client(upstream_url):
    app = create_app(Settings(DATABASE_URL, upstream_url, API_TOKEN, create_schema=False))
    async with LifespanManager(app) as manager:
        async with AsyncClient(transport=ASGITransport(app=manager.app), base_url="http://test") as client:
            yield client


@pytest.fixture
def auth_headers():
    return {"Authorization": f"Bearer {API_TOKEN}"}
