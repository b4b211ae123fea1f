#: pytest.ini: [pytest]
#: pytest.ini: addopts = -p no:asyncio
#: tests/test_a.py: import pytest
#: tests/test_a.py: pytestmark = pytest.mark.anyio
#: tests/test_a.py: async def test_a(engine): pass
import os

import pytest
from sqlalchemy.ext.asyncio import create_async_engine


@pytest.fixture(scope="session")
def engine():  # error: LAB033
    return create_async_engine(os.environ["DATABASE_URL"])
