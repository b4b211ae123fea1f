#: pyproject.toml: [project]
#: pyproject.toml: name = "x"
#: pyproject.toml: [tool.pytest.ini_options]
#: pyproject.toml: asyncio_mode = "auto"
#: pyproject.toml: asyncio_default_fixture_loop_scope = "session"
#: pyproject.toml: asyncio_default_test_loop_scope = "session"
#: tests/test_a.py: async def test_a(db_session): pass
# defused: the tests run in the session loop too, where their fixtures opened the connection
import os

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine


@pytest.fixture
async def engine():
    engine = create_async_engine(os.environ["DATABASE_URL"])
    yield engine
    await engine.dispose()


@pytest.fixture
async def db_session(engine):
    async with engine.connect() as conn:
        yield AsyncSession(bind=conn, expire_on_commit=False)
