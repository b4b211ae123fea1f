"""The app, and so its engine, built per test, and run through its lifespan in that test's loop.

Still the app as it runs in production: its own lazily built engine, no `get_db` override. What changes is
that the engine now lives exactly as long as the event loop it is used in:

- `app` is function-scoped: each test builds its own app, whose engine is created on first use, in the
  test's loop;
- the client runs the app's lifespan through asgi-lifespan's LifespanManager, and requests go through
  httpx's ASGITransport; the lifespan creates the schema and, on shutdown, disposes of the engine (and
  closes its pool's connections) in that same loop;
- the tables are dropped through the app's engine before the lifespan ends, so each test starts empty.
"""

import os

import pytest
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient

from shared_app import Base, Settings, create_app
from shared_app.testing import serve_upstream

DATABASE_URL = os.environ["DATABASE_URL"]
API_TOKEN = "test-token"


@pytest.fixture(scope="session")
def upstream_url():
    with serve_upstream() as url:
        yield url


@pytest.fixture
def app(upstream_url):
    return create_app(Settings(DATABASE_URL, upstream_url, API_TOKEN, create_schema=True))


@pytest.fixture
async def client(app):
    async with LifespanManager(app) as manager:  # startup: create_all; shutdown: engine.dispose()
        async with AsyncClient(transport=ASGITransport(app=manager.app), base_url="http://test") as client:
            yield client
        async with app.state.db.engine.begin() as conn:
            await conn.run_sync(Base.metadata.drop_all)


@pytest.fixture
def auth_headers():
    return {"Authorization": f"Bearer {API_TOKEN}"}
