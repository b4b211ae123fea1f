#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: pytest.ini: asyncio_default_fixture_loop_scope = function
#: tests/test_a.py: async def test_a(api): pass
#: tests/test_b.py: async def test_b(api, skip_auth): pass
import pytest
from httpx import ASGITransport, AsyncClient

from shop.main import app
from shop.deps import current_user, session_dependency


@pytest.fixture
async def session():
    yield object()


# defused: the one client fixture puts this test's session in place before each test's first request, so the
# last test's override never serves a request of the next one
@pytest.fixture
async def api(session):
    app.dependency_overrides[session_dependency] = lambda: session
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as client:
        yield client


# no client sets this key again: every test after test_b runs without authentication
@pytest.fixture
def skip_auth():
    app.dependency_overrides[current_user] = lambda: "admin"  # error: LAB012
