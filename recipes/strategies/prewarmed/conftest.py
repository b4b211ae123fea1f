"""The savepoint recipe (the recommended conftest) with its pool filled before the first test: the session's
engine opens `POOL_SIZE` connections at start and returns them to the pool, open.

The same engine, pool and isolation as the `cold` strategy; only the warm-up differs. A test holds one
connection at a time, so the pool serves every test from a connection already open either way: what the
warm-up can save is the first test's connect, and it pays for the other four.
"""

import os
from contextlib import AsyncExitStack

import pytest
import pytest_asyncio
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from shared_app import Base, Settings, create_app, get_db
from shared_app.testing import serve_upstream

DATABASE_URL = os.environ["DATABASE_URL"]
API_TOKEN = "test-token"
POOL_SIZE = 5  # SQLAlchemy's default, spelled out: what `cold` uses too


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


async def prewarm(engine, size):
    """Hold `size` connections at once, so the pool must open that many, then give them all back."""
    async with AsyncExitStack() as held:
        for _ in range(size):
            conn = await held.enter_async_context(engine.connect())
            await conn.execute(text("SELECT 1"))


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def engine():
    engine = create_async_engine(DATABASE_URL, pool_size=POOL_SIZE)
    if engine.dialect.name == "sqlite":
        use_real_sqlite_transactions(engine)
    await prewarm(engine, POOL_SIZE)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    yield engine
    await engine.dispose()


@pytest.fixture
async def db_session(engine):
    async with engine.connect() as conn:
        outer = await conn.begin()
        session = AsyncSession(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
        yield session
        await session.close()
        await outer.rollback()


@pytest.fixture
async def app(db_session, upstream_url):
    settings = Settings(DATABASE_URL, upstream_url, API_TOKEN, create_schema=False)
    app = create_app(settings)
    app.dependency_overrides[get_db] = lambda: db_session
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
