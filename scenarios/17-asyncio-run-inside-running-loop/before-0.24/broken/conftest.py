"""The canonical conftest, with the schema built by the project's Alembic migrations: `upgrade head`.

`command.upgrade()` is synchronous, and the `env.py` that `alembic init -t async` writes drives its async
engine with `asyncio.run(...)`. The `engine` fixture is async, so it calls Alembic from inside the loop
pytest-asyncio is running.

Written for pytest-asyncio 0.23, which runs a session-scoped async fixture in a session loop of its
own and each test in a loop of its own: the engine has `NullPool`, so no connection outlives its loop.
"""

import asyncio
import os
from pathlib import Path

import pytest
import pytest_asyncio
from alembic import command
from alembic.config import Config
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from shared_app import Settings, create_app, get_db
from shared_app.testing import serve_upstream

DATABASE_URL = os.environ["DATABASE_URL"]
API_TOKEN = "test-token"


MIGRATIONS = Path(__file__).parent / "tests" / "migrations"  # made by `alembic init -t async migrations`


def alembic_config(url: str) -> Config:
    """The project's Alembic configuration, pointed at the test database."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


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
    command.upgrade(alembic_config(DATABASE_URL), "head")  # the same schema the app gets in production
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
