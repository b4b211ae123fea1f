#: pyproject.toml: [project]
#: pyproject.toml: name = "x"
#: pyproject.toml: [tool.pytest.ini_options]
#: pyproject.toml: asyncio_mode = "auto"
#: pyproject.toml: asyncio_default_fixture_loop_scope = "session"  # possible: LAB053
#: tests/test_a.py: async def test_a(client): pass
# SQLite, but the app's lifespan runs in the session loop and the project uses aiohttp: if the lifespan
# opens its aiohttp session there, the test's requests meet it from another loop. The code does not show it.
import aiohttp  # noqa: F401
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy.ext.asyncio import create_async_engine

DATABASE_URL = "sqlite+aiosqlite:///./test.db"


@pytest.fixture
async def engine():
    engine = create_async_engine(DATABASE_URL)
    yield engine
    await engine.dispose()


@pytest.fixture
async def client(engine):
    async with LifespanManager(FastAPI()) as manager:
        async with AsyncClient(transport=ASGITransport(app=manager.app), base_url="http://test") as client:
            yield client
