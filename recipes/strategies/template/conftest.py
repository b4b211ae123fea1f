"""A database per test (PostgreSQL only): the schema is made once, in a template database; each test gets
`CREATE DATABASE ... TEMPLATE` that one, and the app its own engine on it, as in production (no override
of `get_db`, the routes' commits are real); the database is dropped after the test.

Every database is named from the one the run was given (`<name>_tpl`, `<name>_each`), and that one itself is
only the maintenance connection's: PostgreSQL copies a template only while nobody is connected to it. One
name serves every test in turn, since each test's database is dropped before the next is made (so this
conftest cannot run under pytest-xdist as it is). The server's default copy strategy is used (WAL_LOG
since PostgreSQL 15), as a reader's own `CREATE DATABASE` would.
"""

import os

import asyncpg
import pytest
import pytest_asyncio
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from shared_app import Base, Settings, create_app
from shared_app.testing import serve_upstream

DATABASE_URL = os.environ["DATABASE_URL"]
API_TOKEN = "test-token"

if not DATABASE_URL.startswith("postgresql"):
    raise pytest.UsageError("the template strategy needs PostgreSQL: SQLite has no CREATE DATABASE")

GIVEN = make_url(DATABASE_URL)
TEMPLATE = f"{GIVEN.database}_tpl"
EACH = f"{GIVEN.database}_each"


@pytest.fixture(scope="session")
def upstream_url():
    with serve_upstream() as url:
        yield url


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def admin():
    """A plain asyncpg connection to the given database: CREATE and DROP DATABASE run outside transactions."""
    dsn = GIVEN.set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    yield connection
    await connection.close()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def template(admin):
    await admin.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE}" WITH (FORCE)')
    await admin.execute(f'CREATE DATABASE "{TEMPLATE}"')
    engine = create_async_engine(GIVEN.set(database=TEMPLATE))
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    await engine.dispose()  # nobody may stay connected to a template
    yield TEMPLATE
    await admin.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE}" WITH (FORCE)')


@pytest.fixture
async def each_database(admin, template):
    await admin.execute(f'CREATE DATABASE "{EACH}" TEMPLATE "{template}"')
    yield GIVEN.set(database=EACH).render_as_string(hide_password=False)
    # FORCE: the app's engine is disposed by now, but its backends may not have exited yet.
    await admin.execute(f'DROP DATABASE "{EACH}" WITH (FORCE)')


@pytest.fixture
async def app(each_database, upstream_url):
    # The app's own engine on the test's database: an engine per test, disposed by the lifespan.
    settings = Settings(each_database, upstream_url, API_TOKEN, create_schema=False)
    yield create_app(settings)


@pytest.fixture
async def client(app):
    async with LifespanManager(app) as manager:
        async with AsyncClient(transport=ASGITransport(app=manager.app), base_url="http://test") as client:
            yield client


@pytest.fixture
def auth_headers():
    return {"Authorization": f"Bearer {API_TOKEN}"}
