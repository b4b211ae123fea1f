#: pytest.ini: [pytest]
#: pytest.ini: asyncio_default_fixture_loop_scope = session
#: tests/test_a.py: import pytest
#: tests/test_a.py: @pytest.mark.anyio
#: tests/test_a.py: async def test_a(client): pass
import pytest
import pytest_asyncio


@pytest_asyncio.fixture  # the decorator's line is not the definition's
async def client():  # error: LAB021
    yield 1


# defused: a plain fixture, which AnyIO runs with the test
@pytest.fixture
async def plain():
    yield 2
