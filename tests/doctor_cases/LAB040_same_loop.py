#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: pytest.ini: asyncio_default_fixture_loop_scope = session
#: pytest.ini: asyncio_default_test_loop_scope = session
#: tests/test_a.py: async def test_a(upstream): pass
import aiohttp
import pytest_asyncio


# defused: the tests run in the same session loop
@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def upstream():
    async with aiohttp.ClientSession() as session:
        yield session
