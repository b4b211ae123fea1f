#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: pytest.ini: asyncio_default_fixture_loop_scope = function
#: tests/test_a.py: async def test_a(engine, static): pass
import pytest
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool, StaticPool

URL = "sqlite+aiosqlite:///:memory:"


@pytest.fixture
async def engine():
    engine = create_async_engine(URL, poolclass=NullPool)  # error: LAB034
    yield engine
    await engine.dispose()


# defused: one connection for all, so one database
@pytest.fixture
async def static():
    engine = create_async_engine(URL, poolclass=StaticPool)
    yield engine
    await engine.dispose()
