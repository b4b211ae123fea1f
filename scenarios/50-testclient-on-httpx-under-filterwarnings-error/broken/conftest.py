"""Synchronous tests through TestClient, with every async resource made on TestClient's own loop.

TestClient runs the app on an event loop in another thread (an anyio blocking portal). Whatever the
routes await must belong to that loop, so the test's engine, connection and session are opened through
`client.portal` rather than by pytest-asyncio fixtures, and closed through it at teardown:

- the app's lifespan (run by `with TestClient(app)`) creates the schema and the aiohttp session there;
- each test gets one connection and an outer transaction that is rolled back at teardown; the session
  joins it with `join_transaction_mode="create_savepoint"`, so the routes' commits only release SAVEPOINTs;
- `dependency_overrides` is cleared on teardown.
"""

import os
from contextlib import AsyncExitStack

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from shared_app import Settings, create_app, get_db
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


async def open_test_session(cleanup: AsyncExitStack) -> AsyncSession:
    """Engine, connection, outer transaction and session, all on the loop this runs in."""
    engine = create_async_engine(DATABASE_URL)
    if engine.dialect.name == "sqlite":
        use_real_sqlite_transactions(engine)
    cleanup.push_async_callback(engine.dispose)
    conn = await cleanup.enter_async_context(engine.connect())
    cleanup.push_async_callback((await conn.begin()).rollback)
    session = AsyncSession(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
    cleanup.push_async_callback(session.close)
    return session


@pytest.fixture
def client(upstream_url):
    app = create_app(Settings(DATABASE_URL, upstream_url, API_TOKEN))
    with TestClient(app) as client:
        cleanup = AsyncExitStack()
        session = client.portal.call(open_test_session, cleanup)
        app.dependency_overrides[get_db] = lambda: session
        yield client
        app.dependency_overrides.clear()
        client.portal.call(cleanup.aclose)


@pytest.fixture
def auth_headers():
    return {"Authorization": f"Bearer {API_TOKEN}"}
