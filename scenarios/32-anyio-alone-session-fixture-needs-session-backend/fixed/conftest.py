"""The catalogue's recommended conftest, on AnyIO's pytest plugin instead of pytest-asyncio.

One engine per test session, a rolled-back outer transaction per test, the lifespan run by asgi-lifespan's
LifespanManager, requests through httpx's ASGITransport. AnyIO runs every async fixture a test needs in the
test's backend (`anyio_backend`), declared here at session scope so the session's engine can have it.
"""

import os

import pytest
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from shared_app import Base, Settings, create_app, get_db
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


@pytest.fixture(scope="session")
def anyio_backend():
    """One backend, and so one event loop, for the whole session: the session engine's loop."""
    return "asyncio"


@pytest.fixture(scope="session")
async def engine():
    engine = create_async_engine(DATABASE_URL)
    if engine.dialect.name == "sqlite":
        use_real_sqlite_transactions(engine)
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
