#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: pytest.ini: asyncio_default_fixture_loop_scope = function
#: pytest.ini: asyncio_default_test_loop_scope = function
#: tests/test_a.py: async def test_a(upstream): pass
import aiohttp
import pytest_asyncio


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def upstream():
    async with aiohttp.ClientSession() as session:  # error: LAB040
        yield session
