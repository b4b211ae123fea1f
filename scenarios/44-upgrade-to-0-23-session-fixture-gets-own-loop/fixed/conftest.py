"""The FastAPI tutorial conftest of the pytest-asyncio 0.21 days, fixed the pytest-asyncio 0.23 way.

One engine for the test database, the tables made once for the session, one client for the session. No
`event_loop` override: every async test is marked to run in the session-scoped loop, the loop pytest-asyncio
0.23 runs session-scoped async fixtures in, as its documentation showed.
"""

import os

import pytest
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient
from pytest_asyncio import is_async_test
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


def pytest_collection_modifyitems(items):
    """Run every async test in the session-scoped loop, where the session-scoped async fixtures run."""
    pytest_asyncio_tests = (item for item in items if is_async_test(item))
    session_scope_marker = pytest.mark.asyncio(scope="session")
    for async_test in pytest_asyncio_tests:
        async_test.add_marker(session_scope_marker, append=False)


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
