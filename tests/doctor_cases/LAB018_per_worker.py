#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: pytest.ini: asyncio_default_fixture_loop_scope = session
#: pytest.ini: asyncio_default_test_loop_scope = session
#: pytest.ini: addopts = -n 2
#: tests/test_a.py: async def test_a(engine): pass
import pytest_asyncio
from sqlalchemy.ext.asyncio import create_async_engine


# defused: one database per xdist worker
@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def engine(worker_id):
    engine = create_async_engine(f"postgresql+asyncpg://localhost/test_{worker_id}")
    async with engine.begin() as conn:
        await conn.run_sync(lambda c: c.execute("create_all"))
    yield engine
    await engine.dispose()
