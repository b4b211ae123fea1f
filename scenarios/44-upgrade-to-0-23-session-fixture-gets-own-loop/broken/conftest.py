"""The FastAPI tutorial conftest of the pytest-asyncio 0.21 days, unchanged on the upgrade to 0.23.

One engine for the test database, the tables made once for the session, one client for the session, and a
session-scoped `event_loop` fixture so that the session-scoped async fixtures and the tests share one loop:
the documented way to widen the loop's scope before 0.23.
"""

import asyncio
import os

import pytest
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from shared_app import Base, Settings, create_app, get_db
from shared_app.testing import serve_upstream

DATABASE_URL = os.environ["DATABASE_URL"]
API_TOKEN = "test-token"

engine_test = create_async_engine(DATABASE_URL)
async_session_maker = async_sessionmaker(engine_test, expire_on_commit=False)


async def override_get_db():
    async with async_session_maker() as session:
        yield session


@pytest.fixture(scope="session")
def upstream_url():
    with serve_upstream() as url:
        yield url


@pytest.fixture(scope="session", autouse=True)
async def prepare_database():
    async with engine_test.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    yield
    async with engine_test.begin() as conn:
        await conn.run_sync(Base.metadata.drop_all)
    await engine_test.dispose()


@pytest.fixture(scope="session")
def event_loop(request):
    """Create an instance of the default event loop for the whole session."""
    loop = asyncio.get_event_loop_policy().new_event_loop()
    yield loop
    loop.close()


@pytest.fixture(scope="session")
async def client(upstream_url):
    app = create_app(Settings(DATABASE_URL, upstream_url, API_TOKEN, create_schema=False))
    app.dependency_overrides[get_db] = override_get_db
    async with LifespanManager(app) as manager:
        async with AsyncClient(transport=ASGITransport(app=manager.app), base_url="http://test") as client:
            yield client


@pytest.fixture
def auth_headers():
    return {"Authorization": f"Bearer {API_TOKEN}"}
