#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: tests/test_a.py: async def test_a(prepare): pass
import os

import pytest
from pytest_asyncio import is_async_test
from sqlalchemy.ext.asyncio import create_async_engine

engine = create_async_engine(os.environ["DATABASE_URL"])


# defused: every async test in the session loop, where the session fixtures run
def pytest_collection_modifyitems(items):
    for item in (i for i in items if is_async_test(i)):
        item.add_marker(pytest.mark.asyncio(loop_scope="session"), append=False)


@pytest.fixture(scope="session")
async def prepare():
    async with engine.begin():
        pass
    yield
    await engine.dispose()
