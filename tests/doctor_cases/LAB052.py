#: pytest.ini: [pytest]
#: pyproject.toml: [project]
#: pyproject.toml: name = "x"
#: pyproject.toml: [tool.pytest.ini_options]  # error: LAB052
#: pyproject.toml: asyncio_default_fixture_loop_scope = "function"
#: tests/test_a.py: def test_a(): pass
import pytest


@pytest.fixture
def plain():
    return 1
