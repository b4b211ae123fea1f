#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: pytest.ini: asyncio_default_fixture_loop_scope = function
#: tests/test_a.py: async def test_a(schema, threaded): pass
import asyncio

import pytest


async def create_all():
    pass


@pytest.fixture
async def schema():
    asyncio.run(create_all())  # error: LAB017


# defused: in a worker thread, where no loop runs
@pytest.fixture
async def threaded():
    await asyncio.to_thread(asyncio.run, create_all())
