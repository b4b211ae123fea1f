#: tests/test_a.py: import pytest
#: tests/test_a.py: pytestmark = pytest.mark.anyio
#: tests/test_a.py: async def test_a(engine): pass
# No pytest-asyncio here (nothing imports or configures it, no test is marked asyncio): AnyIO's plugin runs
# every async test and fixture in the loop its session-scoped `anyio_backend` keeps open, so the
# session-scoped engine's connections never meet a second loop.
import os

import pytest
from sqlalchemy.ext.asyncio import create_async_engine


@pytest.fixture(scope="session")
def anyio_backend():
    return "asyncio"


@pytest.fixture(scope="session")
async def engine():
    engine = create_async_engine(os.environ["DATABASE_URL"])
    yield engine
    await engine.dispose()
