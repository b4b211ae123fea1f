"""The canonical conftest, plus a seeded user, with one database per pytest-xdist worker.

Each xdist worker is a whole pytest session with its own session fixtures. So each gets a database of
its own, named after its `worker_id` (`gw0`, `gw1`): on PostgreSQL `<database>_gw0`, created through an
admin connection before the schema and dropped at the end; on SQLite a file of its own beside the
configured one. Without xdist (`-n 0`, `worker_id == "master"`) the configured database is used as is.
The schema, the seeded user and each test's rolled-back transaction are then the worker's alone.

Written for pytest-asyncio 0.21, before loop scopes: the one session-wide loop is the `event_loop`
fixture, overridden with session scope.
"""

import asyncio
import os
from pathlib import Path

import pytest
import pytest_asyncio
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient
from sqlalchemy import event, insert, make_url
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from shared_app import Base, Settings, User, create_app, get_db
from shared_app.security import hash_password
from shared_app.testing import serve_upstream

DATABASE_URL = os.environ["DATABASE_URL"]
API_TOKEN = "test-token"
GRACE = {"email": "grace@example.com", "name": "Grace"}


@pytest.fixture(scope="session")
def event_loop():
    """One loop for the whole session: the session-scoped engine and every test share it."""
    loop = asyncio.get_event_loop_policy().new_event_loop()
    yield loop
    loop.close()


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
async def database_url(worker_id):
    """This worker's own database: `worker_id` is pytest-xdist's "gw0", "gw1"..., or "master" without it."""
    if worker_id == "master":
        yield DATABASE_URL
        return
    url = make_url(DATABASE_URL)
    if url.get_backend_name() == "sqlite":
        path = Path(url.database)
        own = path.with_name(f"{path.stem}_{worker_id}{path.suffix}")
        own.unlink(missing_ok=True)
        yield url.set(database=str(own)).render_as_string(hide_password=False)
        own.unlink(missing_ok=True)
        return
    name = f"{url.database}_{worker_id}"
    # CREATE/DROP DATABASE cannot run inside a transaction: an AUTOCOMMIT connection to the configured one.
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    async with admin.connect() as conn:
        await conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')  # left by an interrupted run
        await conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield url.set(database=name).render_as_string(hide_password=False)
    async with admin.connect() as conn:
        await conn.exec_driver_sql(f'DROP DATABASE "{name}"')
    await admin.dispose()


@pytest_asyncio.fixture(scope="session")
async def engine(database_url):
    engine = create_async_engine(database_url)
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
async def app(db_session, upstream_url, database_url):
    settings = Settings(database_url, upstream_url, API_TOKEN, create_schema=False)
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
