#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: pytest.ini: asyncio_default_fixture_loop_scope = function
#: tests/test_a.py: async def test_a(client): pass
# The lifespan is marked `# pragma: no cover`: the project says its tests never run it (it starts a metrics
# server for production), and they are written so; skipping it through a bare ASGITransport is the intent.
from contextlib import asynccontextmanager

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient


@asynccontextmanager
async def lifespan(app):  # pragma: no cover
    app.state.metrics = object()
    yield


app = FastAPI(lifespan=lifespan)


@pytest.fixture
async def client():
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client:
        yield client
