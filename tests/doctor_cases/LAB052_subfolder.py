#: backend/pytest.ini: [pytest]
#: backend/pytest.ini: testpaths = tests
#: backend/pyproject.toml: [project]
#: backend/pyproject.toml: name = "x"
#: backend/pyproject.toml: [tool.pytest.ini_options]  # error: LAB052
#: backend/pyproject.toml: asyncio_mode = "auto"
#: backend/tests/conftest.py: import pytest
#: backend/tests/test_a.py: async def test_a(): pass
# The Python project is `backend/`, run as `cd backend && pytest`: its pytest.ini is what pytest reads, and
# the pyproject.toml next to it loses its `asyncio_mode`. Nothing at the top configures pytest.
