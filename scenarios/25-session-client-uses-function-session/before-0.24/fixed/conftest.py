"""The recommended pattern, with the app built once per session and each test's session given to it
through a function-scoped override.

Written for pytest-asyncio 0.23, which runs a session-scoped async fixture in a session loop of its
own and each test in a loop of its own: the engine has `NullPool`, so no connection outlives its loop.
"""

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
async def db_session(engine):
    async with engine.connect() as conn:
        outer = await conn.begin()
        session = AsyncSession(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
        yield session
        await session.close()
        await outer.rollback()


# Built once for the whole session, to pay for the app and its lifespan only once...
@pytest_asyncio.fixture(scope="session")
async def app(upstream_url):
    settings = Settings(DATABASE_URL, upstream_url, API_TOKEN, create_schema=False)
    return create_app(settings)


# ...while each test's session reaches it through a function-scoped override, removed at teardown.
@pytest.fixture(autouse=True)
async def use_test_session(app, db_session):
    app.dependency_overrides[get_db] = lambda: db_session
    yield
    app.dependency_overrides.clear()


@pytest_asyncio.fixture(scope="session")
async def client(app):
    async with LifespanManager(app) as manager:
        async with AsyncClient(transport=ASGITransport(app=manager.app), base_url="http://test") as client:
            yield client


@pytest.fixture
def auth_headers():
    return {"Authorization": f"Bearer {API_TOKEN}"}
