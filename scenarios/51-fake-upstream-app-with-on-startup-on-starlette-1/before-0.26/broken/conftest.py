"""The recommended conftest, with the upstream profile service faked by a small Starlette app.

The fake is served by uvicorn from a thread, so the app's aiohttp session reaches it over loopback as it
would reach the real service. It loads its canned profiles in an `on_startup` handler, the way Starlette
apps declared startup work before lifespans. Everything else is the recommended pattern: one engine per
test session in the session's loop, a rolled-back outer transaction per test, the app's lifespan run by
asgi-lifespan's LifespanManager.
"""

import os
import socket
import threading
import time

import pytest
import pytest_asyncio
import uvicorn
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient
from pytest_asyncio import is_async_test
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from shared_app import Base, Settings, create_app, get_db

DATABASE_URL = os.environ["DATABASE_URL"]
API_TOKEN = "test-token"


async def profile(request):
    found = request.app.state.profiles.get(request.query_params["email"])
    if found is None:
        return JSONResponse({"detail": "no such profile"}, status_code=404)
    return JSONResponse(found)


async def load_profiles():
    """The canned profiles the fake service answers with, as a real one would load them from its store."""
    fake_profiles.state.profiles = {
        "cy@example.com": {"avatar_url": "https://avatars.example/cy.png", "followers": 12},
    }


fake_profiles = Starlette(routes=[Route("/profiles", profile)], on_startup=[load_profiles])


@pytest.fixture(scope="session")
def upstream_url():
    """The fake profile service, served by uvicorn on 127.0.0.1 from a thread, as the app's aiohttp needs."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(fake_profiles, lifespan="on", log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join()


def pytest_collection_modifyitems(items):
    """Run every async test in the session's loop, where the engine and the other fixtures run."""
    for item in items:
        if is_async_test(item):
            item.add_marker(pytest.mark.asyncio(loop_scope="session"), append=False)


def use_real_sqlite_transactions(engine):
    """SQLAlchemy's documented recipe: let SQLAlchemy emit BEGIN, so SAVEPOINTs nest inside it."""

    @event.listens_for(engine.sync_engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN")


@pytest_asyncio.fixture(scope="session", loop_scope="session")
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
