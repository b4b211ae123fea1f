#: pyproject.toml: [project]
#: pyproject.toml: name = "x"
#: pyproject.toml: [tool.pytest.ini_options]
#: pyproject.toml: asyncio_mode = "auto"
#: pyproject.toml: asyncio_default_fixture_loop_scope = "session"  # error: LAB053
#: tests/test_a.py: async def test_a(db_session): pass
#: tests/test_a.py: def test_sync(db_session): pass
# Every async fixture runs in the session loop, each test in a loop of its own: the test awaits a
# connection opened in the session loop (asyncpg's futures belong to it).
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
