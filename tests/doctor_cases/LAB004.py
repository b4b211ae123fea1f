#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: pytest.ini: asyncio_default_fixture_loop_scope = function
#: tests/test_a.py: async def test_a(client, pooled): pass
import aiohttp
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI


@pytest.fixture
async def client():
    app = FastAPI()
    async with app:  # error: LAB004
        yield app


# defused: an async context manager that is one
@pytest.fixture
async def pooled():
    session = aiohttp.ClientSession()
    async with session:
        async with LifespanManager(FastAPI()) as manager:
            yield manager
