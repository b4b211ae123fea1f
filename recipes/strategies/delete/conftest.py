"""Clean up by deleting: one engine per test session, the routes' commits are real, and after each test
`DELETE FROM` every table, children first.

The app gets a session per request from the session's engine, as in production: nothing is wrapped in a
test transaction, so what a test sees is exactly what the routes committed. Identities are not reset, so a
test must never assume its first user has id 1 (the suite does not).
"""

import os

import pytest
import pytest_asyncio
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from shared_app import Base, Settings, create_app, get_db
from shared_app.testing import serve_upstream

DATABASE_URL = os.environ["DATABASE_URL"]
API_TOKEN = "test-token"


@pytest.fixture(scope="session")
def upstream_url():
    with serve_upstream() as url:
        yield url


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def engine():
    engine = create_async_engine(DATABASE_URL)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    yield engine
    await engine.dispose()


@pytest.fixture
async def clean_tables(engine):
    yield
    async with engine.begin() as conn:
        # Children before parents, so that no foreign key is ever left pointing at nothing.
        for table in reversed(Base.metadata.sorted_tables):
            await conn.execute(table.delete())


@pytest.fixture
async def app(engine, clean_tables, upstream_url):
    sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def session_per_request():
        async with sessions() as session:
            yield session

    settings = Settings(DATABASE_URL, upstream_url, API_TOKEN, create_schema=False)
    app = create_app(settings)
    app.dependency_overrides[get_db] = session_per_request
    yield app
    app.dependency_overrides.clear()


@pytest.fixture
async def client(app):
    async with LifespanManager(app) as manager:
        async with AsyncClient(transport=ASGITransport(app=manager.app), base_url="http://test") as client:
            yield client


@pytest.fixture
def auth_headers():
    return {"Authorization": f"Bearer {API_TOKEN}"}
