"""Clean up by truncating (PostgreSQL only): one engine per test session, the routes' commits are real, and
after each test one `TRUNCATE ... RESTART IDENTITY CASCADE` of every table.

The app gets a session per request from the session's engine, as in production: nothing is wrapped in a
test transaction, so what a test sees is exactly what the routes committed. TRUNCATE empties the tables
and restarts their identities in one statement; it takes an exclusive lock, which no idle pooled connection
holds.
"""

import os

import pytest
import pytest_asyncio
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from shared_app import Base, Settings, create_app, get_db
from shared_app.testing import serve_upstream

DATABASE_URL = os.environ["DATABASE_URL"]
API_TOKEN = "test-token"

if not DATABASE_URL.startswith("postgresql"):
    raise pytest.UsageError("the truncate strategy needs PostgreSQL: SQLite has no TRUNCATE")


@pytest.fixture(scope="session")
def upstream_url():
    with serve_upstream() as url:
        yield url


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def engine():
    engine = create_async_engine(DATABASE_URL)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    yield engine
    await engine.dispose()


def truncate_all():
    """Every table in one statement: CASCADE would reach the children anyway; naming them all is explicit."""
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    return text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


@pytest.fixture
async def clean_tables(engine):
    yield
    async with engine.begin() as conn:
        await conn.execute(truncate_all())


@pytest.fixture
async def app(engine, clean_tables, upstream_url):
    sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def session_per_request():
        async with sessions() as session:
            yield session

    settings = Settings(DATABASE_URL, upstream_url, API_TOKEN, create_schema=False)
    app = create_app(settings)
    app.dependency_overrides[get_db] = session_per_request
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
