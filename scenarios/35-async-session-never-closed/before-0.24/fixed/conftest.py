"""One loop for the whole session, the app on its own database handle, and a `db_session` fixture for the
tests to look into the database themselves: `async with AsyncSession(engine)`, so it is closed at teardown.

Warnings are errors (`filterwarnings = error` in pytest.ini), as in many projects. `collect_garbage` is the
lab's addition, not part of the mistake: it collects garbage after every test, so that a leaked resource is
reported at the same place in every run, not whenever the garbage collector next happens to run.
"""

import asyncio
import gc
import os

import pytest
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient
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


@pytest.fixture(scope="session")
def event_loop():
    """One loop for the whole session: the engine's connections and every test run on it."""
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


async def create_schema(engine):
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.drop_all)
        await conn.run_sync(Base.metadata.create_all)


@pytest.fixture(scope="session")
def engine(event_loop):
    engine = create_async_engine(DATABASE_URL)
    event_loop.run_until_complete(create_schema(engine))
    yield engine
    event_loop.run_until_complete(engine.dispose())


@pytest.fixture
async def db_session(engine):
    async with AsyncSession(engine, expire_on_commit=False) as session:
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
