"""The canonical conftest, plus a seeded user, written for one test session, run by two xdist workers.

Run alone, it is right: the session fixture creates the schema, commits one seeded user that every test
may rely on, and drops the schema at the end; each test's own writes are rolled back. But `-n 2` starts
two worker processes, each a whole pytest session with its own session fixtures, and both use the one
database `DATABASE_URL` names: each creates the schema and inserts the seeded user there.

Written for pytest-asyncio 0.23, which runs a session-scoped async fixture in a session loop of its
own and each test in a loop of its own: the engine has `NullPool`, so no connection outlives its loop.
"""

import os

import pytest
import pytest_asyncio
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient
from sqlalchemy import event, insert
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from shared_app import Base, Settings, User, create_app, get_db
from shared_app.security import hash_password
from shared_app.testing import serve_upstream

DATABASE_URL = os.environ["DATABASE_URL"]
API_TOKEN = "test-token"
GRACE = {"email": "grace@example.com", "name": "Grace"}


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
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.drop_all)
    await engine.dispose()


@pytest_asyncio.fixture(scope="session")
async def seeded_user(engine):
    """Reference data every test relies on, committed once per test session."""
    async with engine.begin() as conn:
        grace_id = await conn.scalar(
            insert(User).values(**GRACE, password_hash=hash_password("grace's password")).returning(User.id)
        )
    return {"id": grace_id, **GRACE}


@pytest.fixture
async def db_session(engine, seeded_user):
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
