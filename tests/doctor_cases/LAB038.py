#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: pytest.ini: asyncio_default_fixture_loop_scope = function
#: tests/test_a.py: async def test_a(profile): pass
import asyncio

import pytest


@pytest.fixture
def profile(event_loop):  # error: LAB038
    return event_loop


# defused: the running loop, asked for when needed
@pytest.fixture
async def running():
    return asyncio.get_running_loop()
