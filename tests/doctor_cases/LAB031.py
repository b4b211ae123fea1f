#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: pytest.ini: asyncio_default_fixture_loop_scope = session
#: pytest.ini: asyncio_default_test_loop_scope = session
#: tests/test_a.py: import pytest
#: tests/test_a.py: @pytest.mark.asyncio(loop_scope="session")
#: tests/test_a.py: async def test_a(client): pass
import pytest


@pytest.fixture
@pytest.mark.asyncio(loop_scope="session")  # error: LAB031
async def client():
    yield 1
