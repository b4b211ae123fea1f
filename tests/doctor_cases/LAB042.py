#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: pytest.ini: asyncio_default_fixture_loop_scope = function
#: tests/test_a.py: async def test_a(db_session, sets_in_sync): pass
from contextvars import ContextVar

import pytest

current = ContextVar("current")


@pytest.fixture
async def db_session():
    current.set(1)  # error: LAB042
    yield 1


# defused: a sync fixture sets it in the context the test's task is made from
@pytest.fixture
def sets_in_sync(db_session):
    token = current.set(db_session)
    yield
    current.reset(token)
