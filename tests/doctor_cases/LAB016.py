#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: pytest.ini: asyncio_default_fixture_loop_scope = function
#: pytest.ini: filterwarnings = error
#: tests/test_a.py: async def test_a(): pass
import aiohttp


async def fetch(url):
    session = aiohttp.ClientSession()  # error: LAB016
    async with session.get(url) as response:
        return await response.json()


# defused: closed by `async with`
async def fetch_managed(url):
    async with aiohttp.ClientSession() as session:
        async with session.get(url) as response:
            return await response.json()


# defused: closed explicitly
async def fetch_closed(url):
    session = aiohttp.ClientSession()
    try:
        async with session.get(url) as response:
            return await response.json()
    finally:
        await session.close()


# defused: handed on; its owner closes it
def make_session():
    session = aiohttp.ClientSession()
    return session
