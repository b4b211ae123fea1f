"""For tests that send requests concurrently: no shared test session, real commits, clean tables.

- one engine per test session, created and disposed in the session's event loop (as in every fixed
  conftest here), used to create the schema and to empty the tables after each test;
- the app keeps its own `get_db`: every request gets its own session and pooled connection, so two
  requests in flight never share a connection; their commits are real, hence the cleanup;
- the app runs its lifespan through asgi-lifespan's LifespanManager, and requests go through httpx's
  ASGITransport.

Written for pytest-asyncio 0.23, which runs a session-scoped async fixture in a session loop of its
own and each test in a loop of its own: the engine has `NullPool`, so no connection outlives its loop.
"""

import os

import pytest
import pytest_asyncio
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient
from sqlalchemy import event
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from shared_app import Base, Settings, create_app
from shared_app.testing import serve_upstream

DATABASE_URL = os.environ["DATABASE_URL"]
API_TOKEN = "test-token"


@pytest.fixture(scope="session")
def upstream_url():
    with serve_upstream() as url:
        yield url


def use_real_sqlite_transactions(engine):
    """SQLAlchemy's documented recipe: let SQLAlchemy emit BEGIN, so SAVEPOINTs nest inside it."""

    @event.listens_for(engine.sync_engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN")


@pytest_asyncio.fixture(scope="session")
async def engine():
    engine = create_async_engine(DATABASE_URL, poolclass=NullPool)
    if engine.dialect.name == "sqlite":
        use_real_sqlite_transactions(engine)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    yield engine
    await engine.dispose()


@pytest.fixture
async def clean_tables(engine):
    """Concurrent requests need a connection each, so they commit for real: empty the tables afterwards."""
    yield
    async with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            await conn.execute(table.delete())


@pytest.fixture
async def app(clean_tables, upstream_url):
    # No get_db override: each request takes its own session and pooled connection from the app's engine.
    settings = Settings(DATABASE_URL, upstream_url, API_TOKEN, create_schema=False)
    yield create_app(settings)


@pytest.fixture
async def client(app):
    async with LifespanManager(app) as manager:
        async with AsyncClient(transport=ASGITransport(app=manager.app), base_url="http://test") as client:
            yield client


@pytest.fixture
def auth_headers():
    return {"Authorization": f"Bearer {API_TOKEN}"}
