#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: pytest.ini: asyncio_default_fixture_loop_scope = function
#: tests/test_a.py: async def test_a(client): pass
import pytest


# defused: auto mode runs every async fixture
@pytest.fixture
async def client():
    yield 1
