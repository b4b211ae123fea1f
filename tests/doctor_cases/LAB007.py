#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: pytest.ini: asyncio_default_fixture_loop_scope = session
#: pytest.ini: asyncio_default_test_loop_scope = session
#: tests/test_a.py: async def test_a(db_session, savepoints): pass
#: myapp.py: async def create(session):
#: myapp.py:     await session.rollback()
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

import myapp  # the app's own code, which rolls back


@pytest.fixture
async def db_session(engine):
    async with engine.connect() as conn:
        outer = await conn.begin()
        session = AsyncSession(bind=conn, expire_on_commit=False)  # error: LAB007
        yield session
        await outer.rollback()


# defused: the session's own transactions are SAVEPOINTs
@pytest.fixture
async def savepoints(engine):
    async with engine.connect() as conn:
        outer = await conn.begin()
        # SQLite needs a recipe for this, and the URL is not in the code: possibly SQLite
        session = AsyncSession(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)  # possible: LAB008
        yield session
        await outer.rollback()
