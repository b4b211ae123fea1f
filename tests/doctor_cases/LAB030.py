#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: pytest.ini: asyncio_default_fixture_loop_scope = function
#: pytest.ini: asyncio_default_test_loop_scope = function
#: tests/test_a.py: async def test_a(upstream, per_test, in_process): pass
import httpx
import pytest
from fastapi import FastAPI


@pytest.fixture(scope="session")
def upstream():
    return httpx.AsyncClient(base_url="http://127.0.0.1:8001")  # error: LAB030


# defused: one client per test, in its loop
@pytest.fixture
async def per_test():
    async with httpx.AsyncClient(base_url="http://127.0.0.1:8001") as client:
        yield client


# defused: ASGITransport opens no connection
@pytest.fixture(scope="session")
def in_process():
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=FastAPI()), base_url="http://test")
