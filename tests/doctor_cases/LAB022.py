#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: pytest.ini: asyncio_default_fixture_loop_scope = function
#: tests/test_a.py: async def test_a(client, split): pass
import anyio
import pytest


@pytest.fixture
async def client():
    with anyio.fail_after(10):  # error: LAB022
        yield 1


# defused: one deadline for the setup, one for the teardown
@pytest.fixture
async def split():
    with anyio.fail_after(10):
        value = 1
    yield value
    with anyio.fail_after(10):
        pass
