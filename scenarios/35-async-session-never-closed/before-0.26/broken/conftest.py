"""One loop for the whole session, the app on its own database handle, and a `db_session` fixture for the
tests to look into the database themselves: made with `AsyncSession(engine)`, yielded, never closed.

Warnings are errors (`filterwarnings = error` in pytest.ini), as in many projects. `collect_garbage` is the
lab's addition, not part of the mistake: it collects garbage after every test, so that a leaked resource is
reported at the same place in every run, not whenever the garbage collector next happens to run.
"""

import gc
import os

import pytest
import pytest_asyncio
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient
from pytest_asyncio import is_async_test
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from shared_app import Base, Settings, create_app
from shared_app.testing import serve_upstream

DATABASE_URL = os.environ["DATABASE_URL"]
API_TOKEN = "test-token"


@pytest.fixture(autouse=True)
def collect_garbage():
    yield
    gc.collect()


@pytest.fixture(scope="session")
def upstream_url():
    with serve_upstream() as url:
        yield url


def pytest_collection_modifyitems(items):
    """Run every async test in the session's loop, where the engine and the other fixtures run."""
    for item in items:
        if is_async_test(item):
            item.add_marker(pytest.mark.asyncio(loop_scope="session"), append=False)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def engine():
    engine = create_async_engine(DATABASE_URL)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.drop_all)
        await conn.run_sync(Base.metadata.create_all)
    yield engine
    await engine.dispose()


@pytest.fixture
async def db_session(engine):
    session = AsyncSession(engine, expire_on_commit=False)
    yield session


@pytest.fixture
async def client(engine, upstream_url):
    app = create_app(Settings(DATABASE_URL, upstream_url, API_TOKEN, create_schema=False))
    async with LifespanManager(app) as manager:
        async with AsyncClient(transport=ASGITransport(app=manager.app), base_url="http://test") as client:
            yield client


@pytest.fixture
def auth_headers():
    return {"Authorization": f"Bearer {API_TOKEN}"}
