#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: pytest.ini: asyncio_default_fixture_loop_scope = function
#: tests/test_a.py: async def test_a(engine, matching): pass
import os

import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool


@pytest.fixture(scope="session")
async def engine():  # error: LAB002
    engine = create_async_engine(os.environ["DATABASE_URL"])
    yield engine
    await engine.dispose()


# defused: NullPool, so no pooled connection meets a second loop
@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def matching():
    engine = create_async_engine(os.environ["DATABASE_URL"], poolclass=NullPool)
    yield engine
    await engine.dispose()


@pytest.fixture
async def per_test():
    engine = create_async_engine(os.environ["DATABASE_URL"])
    yield engine
    await engine.dispose()
