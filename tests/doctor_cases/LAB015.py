#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: pytest.ini: asyncio_default_fixture_loop_scope = function
#: tests/test_a.py: async def test_a(client, transported): pass
import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

app = FastAPI()


@pytest.fixture
async def client():
    async with AsyncClient(app=app, base_url="http://test") as client:  # error: LAB015
        yield client


@pytest.fixture
async def transported():
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client:
        yield client
