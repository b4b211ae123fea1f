#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: pytest.ini: asyncio_default_fixture_loop_scope = function
#: tests/test_a.py: async def test_a(slots): pass
import asyncio

import pytest

SLOTS = asyncio.Semaphore(2)  # error: LAB039
LIMIT = 2


# defused: made per test, in its loop
@pytest.fixture
async def slots():
    return asyncio.Semaphore(LIMIT)
