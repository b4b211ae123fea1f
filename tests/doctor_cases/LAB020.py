#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: pytest.ini: asyncio_default_fixture_loop_scope = function
#: pytest.ini: filterwarnings = error
#: tests/test_a.py: async def test_a(): pass
import asyncio

import pytest


async def create_all():
    pass


@pytest.fixture(scope="session", autouse=True)
def schema():
    asyncio.get_event_loop().run_until_complete(create_all())  # error: LAB020


@pytest.fixture(autouse=True)
def per_test():
    loop = asyncio.get_event_loop()  # error: LAB049
    loop.run_until_complete(create_all())


# defused: an async fixture, run in the test's loop
@pytest.fixture(autouse=True)
async def awaited():
    await create_all()
