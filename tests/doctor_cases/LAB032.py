#: pytest.ini: [pytest]
#: pytest.ini: addopts = -p no:asyncio
#: tests/test_a.py: import pytest
#: tests/test_a.py: pytestmark = pytest.mark.anyio
#: tests/test_a.py: async def test_a(engine, per_module): pass
import pytest


@pytest.fixture(scope="session")
async def engine():  # error: LAB032
    yield 1


# defused: module scope is the default backend's own
@pytest.fixture(scope="module")
async def per_module():
    yield 2
