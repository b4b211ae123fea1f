#: pytest.ini: [pytest]
#: pytest.ini: asyncio_default_fixture_loop_scope = function
#: pytest.ini: filterwarnings = error
#: tests/test_a.py: def test_a(client): pass
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient


@pytest.fixture
def client():
    with TestClient(FastAPI()) as client:  # error: LAB050
        yield client
