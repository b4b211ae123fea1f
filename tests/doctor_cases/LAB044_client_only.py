#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: tests/test_a.py: async def test_a(api): pass
# The session-scoped async fixture only opens a client on the app: no connection of the engine is made in
# its loop. The requests run in each test's loop, which up to 0.23 is the override's, so LAB044's break is
# not there; the one to come is 1.0's, which ignores the override and gives each test its own loop while
# the engine's pool keeps the last one's connections (LAB010).
import asyncio
import os

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import create_async_engine

from shop.main import app

engine = create_async_engine(os.environ["DATABASE_URL"])


@pytest.fixture(scope="session")
def event_loop():  # error: LAB010
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.fixture(scope="session")
async def api():
    async with AsyncClient(app=app, base_url="http://t") as client:  # error: LAB015
        yield client
