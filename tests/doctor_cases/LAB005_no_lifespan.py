#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: pytest.ini: asyncio_default_fixture_loop_scope = function
#: tests/test_a.py: async def test_a(client): pass
import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

# defused: an app with no startup work has nothing for the lifespan to run
app = FastAPI()


@pytest.fixture
async def client():
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client:
        yield client
