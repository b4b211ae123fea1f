#: pyproject.toml: [project]
#: pyproject.toml: name = "x"
#: pyproject.toml: [tool.pytest.ini_options]
#: pyproject.toml: asyncio_mode = "auto"
#: pyproject.toml: asyncio_default_fixture_loop_scope = "session"  # possible: LAB053
#: tests/test_a.py: import pytest
#: tests/test_a.py: async def test_a(engine): pass
#: tests/test_a.py: @pytest.mark.anyio
#: tests/test_a.py: async def test_on_anyio(engine): pass
# A NullPool engine made in the session loop: a connection a session-loop fixture holds would fail in the
# test's loop, one the test opens itself would not, and these files do not show which. The test AnyIO runs
# is not pytest-asyncio's to place.
import os

import pytest
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool


@pytest.fixture
async def engine():
    engine = create_async_engine(os.environ["DATABASE_URL"], poolclass=NullPool)
    yield engine
    await engine.dispose()
