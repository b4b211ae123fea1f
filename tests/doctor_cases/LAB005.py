#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: pytest.ini: asyncio_default_fixture_loop_scope = function
#: tests/test_a.py: async def test_a(client, managed, stacked): pass
from contextlib import AsyncExitStack, asynccontextmanager

import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient


@asynccontextmanager
async def lifespan(app):
    app.state.ready = True
    yield


app = FastAPI(lifespan=lifespan)


@pytest.fixture
async def client():
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client:  # error: LAB005
        yield client


# defused: the lifespan runs first
@pytest.fixture
async def managed():
    async with LifespanManager(app) as manager:
        async with AsyncClient(transport=ASGITransport(app=manager.app), base_url="http://test") as client:
            yield client


# defused: entered on an exit stack
@pytest.fixture
async def stacked():
    async with AsyncExitStack() as stack:
        manager = await stack.enter_async_context(LifespanManager(app))
        yield await stack.enter_async_context(
            AsyncClient(transport=ASGITransport(app=manager.app), base_url="http://test"))
