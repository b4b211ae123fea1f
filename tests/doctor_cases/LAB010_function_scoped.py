#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: tests/test_a.py: async def test_a(): pass
import asyncio

import pytest


# defused: a function-scoped override (for another loop class) widens nothing that could break
@pytest.fixture
def event_loop():
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()
