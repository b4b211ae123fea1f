"""Every test in a loop of its own, and a helper that asks the upstream service with a blocking client.

The helper runs the standard library's `urlopen` in a worker thread, so the loop keeps serving while it
waits. It asks for the loop it is running in, `asyncio.get_running_loop()`, when it is called.
"""

import asyncio
import json
import os
from urllib.parse import urlencode
from urllib.request import urlopen

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


def fetch_json(url):
    with urlopen(url, timeout=5) as response:
        return json.load(response)


@pytest.fixture
def upstream_profile(upstream_url):
    """Ask the upstream profile service directly, to compare the app's answer with the source's."""

    async def upstream_profile(email):
        url = f"{upstream_url}/profiles?{urlencode({'email': email})}"
        return await asyncio.get_running_loop().run_in_executor(None, fetch_json, url)

    return upstream_profile
