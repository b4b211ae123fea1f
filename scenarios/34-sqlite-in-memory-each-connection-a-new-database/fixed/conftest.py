"""The tutorial's test engine, with NullPool, on the run's database file instead of SQLite in memory.

NullPool opens a new connection each time; in memory, each would be a new, empty database. A file is one
database, whichever connection opens it.
"""

import os

import pytest
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from shared_app import Base, Settings, create_app, get_db
from shared_app.testing import serve_upstream

TEST_DATABASE_URL = os.environ["DATABASE_URL"]  # a file: every connection opens the same database
API_TOKEN = "test-token"


@pytest.fixture(scope="session")
def upstream_url():
    with serve_upstream() as url:
        yield url


@pytest.fixture
async def engine():
    engine = create_async_engine(TEST_DATABASE_URL, poolclass=NullPool)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    yield engine
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.drop_all)
    await engine.dispose()


@pytest.fixture
async def client(engine, upstream_url):
    testing_session_local = async_sessionmaker(engine, expire_on_commit=False)

    async def override_get_db():
        async with testing_session_local() as session:
            yield session

    app = create_app(Settings(TEST_DATABASE_URL, upstream_url, API_TOKEN, create_schema=False))
    app.dependency_overrides[get_db] = override_get_db
    async with LifespanManager(app) as manager:
        async with AsyncClient(transport=ASGITransport(app=manager.app), base_url="http://test") as client:
            yield client
    app.dependency_overrides.clear()


@pytest.fixture
def auth_headers():
    return {"Authorization": f"Bearer {API_TOKEN}"}
