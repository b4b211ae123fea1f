#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: pytest.ini: asyncio_default_fixture_loop_scope = function
#: tests/test_a.py: async def test_a(client):
#: tests/test_a.py:     assert (await client.get("/boom")).status_code == 500
import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

app = FastAPI()


@pytest.fixture
async def client():
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client:  # possible: LAB029
        yield client


# defused: answers with the 500 a server sends
@pytest.fixture
async def served():
    transport = ASGITransport(app=app, raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url="http://test") as client:
        yield client
