#: pyproject.toml: [project]
#: pyproject.toml: name = "x"
#: pyproject.toml: [tool.pytest.ini_options]
#: pyproject.toml: asyncio_mode = "auto"
#: pyproject.toml: asyncio_default_fixture_loop_scope = "session"
#: tests/test_a.py: async def test_a(db_session): pass
# defused: SQLite only, and no aiohttp: aiosqlite answers whichever loop awaits it
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

DATABASE_URL = "sqlite+aiosqlite:///./test.db"


@pytest.fixture
async def engine():
    engine = create_async_engine(DATABASE_URL)
    yield engine
    await engine.dispose()


@pytest.fixture
async def db_session(engine):
    async with engine.connect() as conn:
        yield AsyncSession(bind=conn, expire_on_commit=False)
