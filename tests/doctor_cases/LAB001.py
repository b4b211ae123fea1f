#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: pytest.ini: asyncio_default_fixture_loop_scope = function
#: tests/test_a.py: async def test_a(session): pass
import os

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

engine = create_async_engine(os.environ["DATABASE_URL"])  # error: LAB001
Session = async_sessionmaker(engine)

# defused: no pool, so no connection outlives the loop that opened it
pooled_off = create_async_engine(os.environ["DATABASE_URL"], poolclass=NullPool)

# defused: disposed after every test, in that test's loop
per_test = create_async_engine(os.environ["DATABASE_URL"])

# defused: SQLite, which answers any loop
SQLITE_URL = "sqlite+aiosqlite:///./test.db"
local = create_async_engine(SQLITE_URL)


@pytest.fixture(autouse=True)
async def dispose_per_test():
    yield
    await per_test.dispose()


@pytest.fixture
async def session():
    async with Session() as session:
        yield session
