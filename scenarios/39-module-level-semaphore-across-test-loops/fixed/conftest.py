"""Every test in a loop of its own, and a helper that asks the upstream service, at most two calls at a time.

The upstream service allows two concurrent requests per client, so the helper takes a slot of a semaphore
for each call. The semaphore is made by the fixture, in the loop of the test that uses it.
"""

import asyncio
import os

import httpx
import pytest
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient
from sqlalchemy.ext.asyncio import create_async_engine

from shared_app import Base, Settings, create_app
from shared_app.testing import serve_upstream

DATABASE_URL = os.environ["DATABASE_URL"]
API_TOKEN = "test-token"


@pytest.fixture(scope="session")
def upstream_url():
    with serve_upstream() as url:
        yield url


@pytest.fixture
async def engine():
    engine = create_async_engine(DATABASE_URL)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.drop_all)
        await conn.run_sync(Base.metadata.create_all)
    yield engine
    await engine.dispose()


@pytest.fixture
async def client(engine, upstream_url):
    app = create_app(Settings(DATABASE_URL, upstream_url, API_TOKEN, create_schema=False))
    async with LifespanManager(app) as manager:
        async with AsyncClient(transport=ASGITransport(app=manager.app), base_url="http://test") as client:
            yield client


@pytest.fixture
def auth_headers():
    return {"Authorization": f"Bearer {API_TOKEN}"}


@pytest.fixture
async def upstream_profile(upstream_url):
    """Ask the upstream profile service directly, to compare the app's answers with the source's."""
    slots = asyncio.Semaphore(2)  # the upstream service's limit of concurrent requests
    async with httpx.AsyncClient(base_url=upstream_url) as upstream:

        async def upstream_profile(email):
            async with slots:
                response = await upstream.get("/profiles", params={"email": email})
            assert response.status_code == 200
            return response.json()

        yield upstream_profile
