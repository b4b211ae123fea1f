#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: pytest.ini: asyncio_default_fixture_loop_scope = function
#: tests/test_a.py: async def test_a(): pass
# No `filterwarnings = error`: Python 3.12's "There is no current event loop" and the unclosed loop's
# ResourceWarning are printed, and no test fails.
import asyncio

import pytest


async def create_all():
    pass


@pytest.fixture(scope="session", autouse=True)
def schema():
    asyncio.get_event_loop().run_until_complete(create_all())
