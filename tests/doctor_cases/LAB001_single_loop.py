#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: pytest.ini: asyncio_default_fixture_loop_scope = session
#: pytest.ini: asyncio_default_test_loop_scope = session
#: tests/test_a.py: async def test_a(session): pass
import os

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

# defused: every test and fixture runs in the one session loop
engine = create_async_engine(os.environ["DATABASE_URL"])
Session = async_sessionmaker(engine)


@pytest.fixture
async def session():
    async with Session() as session:
        yield session
