#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: tests/test_a.py: async def test_a(prepare): pass
import asyncio
import os

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

engine = create_async_engine(os.environ["DATABASE_URL"])


@pytest.fixture(scope="session")
def event_loop():  # error: LAB044
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.fixture(scope="session")
async def prepare():
    async with engine.begin():
        pass
    yield
    await engine.dispose()
