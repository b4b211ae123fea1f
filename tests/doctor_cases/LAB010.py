#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: tests/test_a.py: async def test_a(engine): pass
import asyncio

import pytest
import pytest_asyncio


@pytest.fixture(scope="session")
def event_loop():  # error: LAB010
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest_asyncio.fixture(scope="session")
async def engine():  # error: LAB002
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine("postgresql+asyncpg://localhost/test")
    yield engine
    await engine.dispose()
