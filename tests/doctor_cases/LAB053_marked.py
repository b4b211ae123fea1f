#: pyproject.toml: [project]
#: pyproject.toml: name = "x"
#: pyproject.toml: [tool.pytest.ini_options]
#: pyproject.toml: asyncio_mode = "auto"
#: pyproject.toml: asyncio_default_fixture_loop_scope = "session"
#: tests/test_a.py: import pytest
#: tests/test_a.py: pytestmark = pytest.mark.asyncio(loop_scope="session")
#: tests/test_a.py: async def test_a(db_session): pass
#: tests/test_b.py: import pytest
#: tests/test_b.py: @pytest.mark.asyncio(loop_scope="session")
#: tests/test_b.py: async def test_b(db_session): pass
#: tests/test_b.py: async def test_plain(unbound): pass
# defused: every test using the connection is marked into the session loop; the unmarked one uses a
# fixture that holds nothing bound to a loop
import os

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine


@pytest.fixture
async def engine():
    engine = create_async_engine(os.environ["DATABASE_URL"])
    yield engine
    await engine.dispose()


@pytest.fixture
async def db_session(engine):
    async with engine.connect() as conn:
        yield AsyncSession(bind=conn, expire_on_commit=False)


@pytest.fixture
async def unbound():
    return {"user": "ada"}
