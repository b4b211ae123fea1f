#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: pytest.ini: asyncio_default_fixture_loop_scope = session
#: pytest.ini: asyncio_default_test_loop_scope = session
#: tests/test_a.py: async def test_a(seeded, api): assert (await api.get("/items")).status_code == 200
# The session expires its objects on commit, but nothing touches them after it: the helper reads the
# generated ids after a flush, before the commit, and the tests check what the API returns.
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from shop.models import Item, Shelf


@pytest.fixture
async def session(connection):
    async with AsyncSession(bind=connection, join_transaction_mode="create_savepoint") as session:  # possible: LAB008
        yield session


@pytest.fixture
async def seeded(session):
    shelf = Shelf(name="top")
    session.add(shelf)
    await session.flush()
    session.add_all([Item(name="a", shelf_id=shelf.id), Item(name="b", shelf_id=shelf.id)])
    await session.commit()
