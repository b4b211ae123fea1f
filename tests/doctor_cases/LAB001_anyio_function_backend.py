#: tests/test_a.py: import pytest
#: tests/test_a.py: pytestmark = pytest.mark.anyio
#: tests/test_a.py: async def test_a(session): pass
# The look-alike that still fails: `anyio_backend` is function-scoped, so AnyIO gives each test a new
# runner and loop, and the import-time engine's pooled connections meet the next test's loop.
import os

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine(os.environ["DATABASE_URL"])  # error: LAB001
Session = async_sessionmaker(engine)


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture
async def session():
    async with Session() as session:
        yield session
