"""The lab's pattern (session-loop engine, a per-test transaction, the app sharing the test's session), with
seeding fixtures built on a "get or create" helper: `ensure_user` adds a user and, when the unique email
index says it is already there, catches the IntegrityError and carries on with the same session.
"""

import asyncio
import os

import pytest
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from shared_app import Base, Settings, User, create_app, get_db
from shared_app.security import hash_password
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
def event_loop():
    """One loop for the whole session: the engine's connections and every test run on it."""
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


async def create_schema(engine):
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)


@pytest.fixture(scope="session")
def engine(event_loop):
    engine = create_async_engine(DATABASE_URL)
    if engine.dialect.name == "sqlite":
        use_real_sqlite_transactions(engine)
    event_loop.run_until_complete(create_schema(engine))
    yield engine
    event_loop.run_until_complete(engine.dispose())


@pytest.fixture
async def db_session(engine):
    async with engine.connect() as conn:
        outer = await conn.begin()
        session = AsyncSession(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
        yield session
        await session.close()
        await outer.rollback()


async def ensure_user(session, email, name):
    """Get or create: add the user, or keep the one already there (the unique email index decides)."""
    session.add(User(email=email, name=name, password_hash=hash_password("correct horse")))
    try:
        await session.flush()
    except IntegrityError:
        pass  # already there
    return await session.scalar(select(User).where(User.email == email))


@pytest.fixture
async def admin(db_session):
    return await ensure_user(db_session, "admin@example.com", "Admin")


@pytest.fixture
async def team(db_session, admin):
    """Everyone the user list should show, admin included: ensure_user does not mind it being there."""
    people = [("admin@example.com", "Admin"), ("ada@example.com", "Ada"), ("bob@example.com", "Bob")]
    return {email: await ensure_user(db_session, email, name) for email, name in people}


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
