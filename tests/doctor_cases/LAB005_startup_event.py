#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: pytest.ini: asyncio_default_fixture_loop_scope = function
#: tests/test_a.py: async def test_a(client): pass
#: shop/__init__.py: 
#: shop/main.py: from fastapi import FastAPI
#: shop/main.py: app = FastAPI()
#: shop/main.py: @app.on_event("startup")  
#: shop/main.py: async def create_tables():
#: shop/main.py:     app.state.ready = True
# The app's startup work is an `on_event("startup")` handler in its own module: FastAPI runs it from the
# lifespan events, which a bare ASGITransport never sends.
import pytest
from httpx import ASGITransport, AsyncClient

from shop.main import app


@pytest.fixture
async def client():
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client:  # error: LAB005
        yield client
