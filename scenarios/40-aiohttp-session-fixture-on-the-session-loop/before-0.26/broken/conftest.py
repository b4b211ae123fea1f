"""One aiohttp session to the upstream service for the whole run; the database and the app made per test.

The `upstream` session is opened once: a session-scoped async fixture. It says `loop_scope="session"`, so it
is set up and closed in one loop that lasts the session (with a function loop scope, pytest-asyncio refuses
a session-scoped async fixture: ScopeMismatch). Which loop the tests run in is `pytest.ini`'s choice.
"""

import os

import aiohttp
import pytest
import pytest_asyncio
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


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def upstream(upstream_url):
    """An aiohttp session for checking the upstream service directly: opened once, closed at the end."""
    async with aiohttp.ClientSession(base_url=upstream_url) as session:
        yield session


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
