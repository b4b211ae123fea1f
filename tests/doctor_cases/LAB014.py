#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: pytest.ini: asyncio_default_fixture_loop_scope = function
#: tests/test_a.py: async def test_a(seeded, one_by_one, separate): pass
import asyncio

import pytest
from sqlalchemy import insert


@pytest.fixture
async def seeded(db_session):
    await asyncio.gather(*(db_session.execute(insert(t)) for t in ("a", "b")))  # error: LAB014


# defused: one after the other
@pytest.fixture
async def one_by_one(db_session):
    for t in ("a", "b"):
        await db_session.execute(insert(t))


# defused: a session per task
@pytest.fixture
async def separate(session_a, session_b):
    await asyncio.gather(session_a.execute(insert("a")), session_b.execute(insert("b")))
