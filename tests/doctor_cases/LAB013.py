#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: pytest.ini: asyncio_default_fixture_loop_scope = session
#: pytest.ini: asyncio_default_test_loop_scope = session
#: tests/test_a.py: async def test_a(expiring, kept): pass
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from shop.models import Item


@pytest.fixture
async def expiring(connection):
    async with AsyncSession(bind=connection, join_transaction_mode="create_savepoint") as session:  # possible: LAB013, LAB008
        yield session


@pytest.fixture
async def kept(connection):
    async with AsyncSession(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False) as s:  # possible: LAB008
        yield s


# what makes `expiring` fail: the object comes back to the test expired, and its first attribute read
# loads lazily, outside a greenlet
@pytest.fixture
def make_item(expiring):
    async def make(name):
        item = Item(name=name)
        expiring.add(item)
        await expiring.commit()
        return item

    return make
