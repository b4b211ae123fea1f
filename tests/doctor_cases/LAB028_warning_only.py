#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: pytest.ini: asyncio_default_fixture_loop_scope = session
#: tests/test_a.py: async def test_a(): pass
import asyncio

import pytest


# defused: without `filterwarnings = error` the deprecation is a warning, no failure
@pytest.fixture(scope="session")
def event_loop_policy():
    return asyncio.DefaultEventLoopPolicy()
