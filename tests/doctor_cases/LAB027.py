#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: pytest.ini: asyncio_default_fixture_loop_scope = session
#: pytest.ini: asyncio_default_test_loop_scope = session
#: tests/test_a.py: def test_a(client, portal_client): pass
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient


@pytest.fixture
async def db_session():
    yield 1


@pytest.fixture
def app(db_session):
    return FastAPI()


@pytest.fixture
def client(app):
    with TestClient(app) as client:  # error: LAB027
        yield client


# defused: nothing async beneath it
@pytest.fixture
def portal_client():
    with TestClient(FastAPI()) as client:
        yield client
