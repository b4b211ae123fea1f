#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: pytest.ini: testpaths = tests
#: pyproject.toml: [project]
#: pyproject.toml: name = "x"
#: pyproject.toml: [tool.pytest.ini_options]
#: pyproject.toml: asyncio_mode = "auto"
#: pyproject.toml: pythonpath = ["src"]
#: tests/test_a.py: async def test_a(): pass
# pytest reads pytest.ini and ignores pyproject.toml's table, but the one asyncio_* value that table sets is
# set the same in pytest.ini, so nothing about the async tests changes.
import pytest


@pytest.fixture
async def resource():
    yield 1
