#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: pytest.ini: asyncio_default_fixture_loop_scope = session
#: pytest.ini: asyncio_default_test_loop_scope = session
#: tests/test_a.py: import asyncio
#: tests/test_a.py: async def test_a(client):
#: tests/test_a.py:     await asyncio.gather(client.post("/users"), client.post("/users"))  # error: LAB026
import pytest
from fastapi import FastAPI

from myapp import get_db


@pytest.fixture
async def db_session():
    yield 1


@pytest.fixture
async def app(db_session):
    app = FastAPI()
    app.dependency_overrides[get_db] = lambda: db_session
    yield app
    app.dependency_overrides.clear()
