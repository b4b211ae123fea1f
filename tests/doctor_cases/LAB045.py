#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: pytest.ini: asyncio_default_fixture_loop_scope = function
#: tests/test_a.py: async def test_feed(client):
#: tests/test_a.py:     async with client.stream("GET", "/feed") as response:
#: tests/test_a.py:         assert response.headers["content-type"] == "text/event-stream"
import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

app = FastAPI()


@pytest.fixture
async def client():
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client:  # possible: LAB045
        yield client
