#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: pytest.ini: asyncio_default_fixture_loop_scope = function
#: tests/test_a.py: async def test_a(client): pass
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import ASGITransport, AsyncClient

app = FastAPI()


@pytest.fixture
async def client():
    with TestClient(app):  # error: LAB003
        async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client:
            yield client


# defused: TestClient in sync code, where it belongs
@pytest.fixture
def sync_client():
    with TestClient(app) as client:
        yield client
