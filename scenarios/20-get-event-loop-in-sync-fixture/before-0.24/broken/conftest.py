"""A conftest from before pytest-asyncio had session-scoped loops: the schema is created once per test
session by a sync fixture, which takes "the" event loop from `asyncio.get_event_loop()` and runs
`create_all` in it. Everything else is the canonical pattern.

The project collects garbage after every test (`collect_garbage`), so that a leaked resource is reported
against the test that was running, not whenever the garbage collector next happens to run.

Written for pytest-asyncio 0.23, which runs a session-scoped async fixture in a session loop of its
own and each test in a loop of its own: the engine has `NullPool`, so no connection outlives its loop.
"""

import asyncio
import gc
import os

import pytest
import pytest_asyncio
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from shared_app import Base, Settings, create_app, get_db
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


def use_real_sqlite_transactions(engine):
    """SQLAlchemy's documented recipe: let SQLAlchemy emit BEGIN, so SAVEPOINTs nest inside it."""

    @event.listens_for(engine.sync_engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN")


@pytest.fixture(scope="session", autouse=True)
def create_schema():
    async def create_all():
        engine = create_async_engine(DATABASE_URL)
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        await engine.dispose()

    loop = asyncio.get_event_loop()
    loop.run_until_complete(create_all())


@pytest_asyncio.fixture(scope="session")
async def engine():
    engine = create_async_engine(DATABASE_URL, poolclass=NullPool)
    if engine.dialect.name == "sqlite":
        use_real_sqlite_transactions(engine)
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
