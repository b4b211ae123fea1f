#: tests/test_a.py: import pytest
#: tests/test_a.py: pytestmark = pytest.mark.anyio
#: tests/test_a.py: async def test_a(session): pass
# AnyIO's plugin alone: the autouse session-scoped async fixture is set up first, in a runner AnyIO keeps
# until that fixture is torn down at the end of the session, so every test and fixture shares its loop
# and the import-time engine's pooled connections never meet a second one.
import os

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine(os.environ["DATABASE_URL"])
Session = async_sessionmaker(engine)


@pytest.fixture(scope="session")
def anyio_backend():
    return "asyncio"


@pytest.fixture(scope="session", autouse=True)
async def schema():
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync_conn: None)


@pytest.fixture
async def session():
    async with Session() as session:
        yield session
