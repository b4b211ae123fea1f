#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: pytest.ini: asyncio_default_fixture_loop_scope = session
#: pytest.ini: asyncio_default_test_loop_scope = session
#: tests/test_a.py: async def test_a(db_session): pass
#: shop.py: from sqlalchemy.exc import IntegrityError
#: shop.py: async def create(session, item):
#: shop.py:     session.add(item)
#: shop.py:     try:
#: shop.py:         await session.commit()
#: shop.py:     except IntegrityError:  # pragma: no cover
#: shop.py:         await session.rollback()
#: shop.py:         raise
# The app's code is read and its only rollback() is in a branch the project's tests are known never to
# take (`# pragma: no cover`): the default join mode's trap, a rollback ending the test's transaction,
# is never sprung.
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

import shop  # noqa: F401 (the app's code, read by doctor)


@pytest.fixture
async def db_session(engine):
    async with engine.connect() as conn:
        outer = await conn.begin()
        session = AsyncSession(bind=conn, expire_on_commit=False)
        yield session
        await outer.rollback()
