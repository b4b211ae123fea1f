#: pytest.ini: [pytest]
#: pytest.ini: asyncio_default_fixture_loop_scope = function
#: tests/test_a.py: import pytest
#: tests/test_a.py: @pytest.mark.asyncio
#: tests/test_a.py: async def test_a(client, other): pass
import pytest
import pytest_asyncio


@pytest.fixture
async def client():  # error: LAB011
    yield 1


@pytest_asyncio.fixture
async def other():
    yield 2


@pytest.fixture
def sync_one():
    return 3
