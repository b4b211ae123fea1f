#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: pytest.ini: asyncio_default_fixture_loop_scope = session
#: pytest.ini: filterwarnings = error
#: tests/test_a.py: async def test_a(): pass
import asyncio

import pytest


@pytest.fixture(scope="session")
def event_loop_policy():  # error: LAB028
    return asyncio.DefaultEventLoopPolicy()
