#: pytest.ini: [pytest]
#: pytest.ini: addopts = -p no:asyncio
#: tests/test_a.py: import pytest
#: tests/test_a.py: pytestmark = pytest.mark.anyio
#: tests/test_a.py: async def test_a(engine): pass
import pytest


# defused: a session-scoped backend
@pytest.fixture(scope="session")
def anyio_backend():
    return "asyncio"


@pytest.fixture(scope="session")
async def engine():
    yield 1
