#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: pytest.ini: asyncio_default_fixture_loop_scope = session
#: pytest.ini: asyncio_default_test_loop_scope = session
#: tests/test_a.py: async def test_a(): pass
import asyncio
import os

import pytest
from sqlalchemy.ext.asyncio import create_async_engine


@pytest.fixture(scope="session", autouse=True)
def create_schema():
    async def create_all():
        engine = create_async_engine(os.environ["DATABASE_URL"])  # error: LAB019
        async with engine.begin():
            pass

    asyncio.run(create_all())


# defused: disposed in the loop that made its connection
@pytest.fixture(scope="session")
def disposed():
    async def create_all():
        engine = create_async_engine(os.environ["DATABASE_URL"])
        async with engine.begin():
            pass
        await engine.dispose()

    asyncio.run(create_all())
