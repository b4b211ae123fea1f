#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: pytest.ini: asyncio_default_fixture_loop_scope = session
#: pytest.ini: asyncio_default_test_loop_scope = session
#: pytest.ini: filterwarnings = error
#: tests/test_a.py: async def test_a(db, closed): pass
import pytest
from sqlalchemy.ext.asyncio import AsyncSession


@pytest.fixture
async def db(engine):
    session = AsyncSession(engine, expire_on_commit=False)  # error: LAB035
    yield session


# defused: closed at teardown
@pytest.fixture
async def closed(engine):
    async with AsyncSession(engine, expire_on_commit=False) as session:
        yield session
