#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: pytest.ini: asyncio_default_fixture_loop_scope = function
#: tests/test_a.py: async def test_a(fresh): pass
import asyncio

import pytest


async def recreate():
    pass


@pytest.fixture(autouse=True)
def fresh():
    asyncio.run(recreate())  # error: LAB043


# defused: awaited in the test's own loop
@pytest.fixture
async def awaited():
    await recreate()
