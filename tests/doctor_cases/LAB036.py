#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: pytest.ini: asyncio_default_fixture_loop_scope = function
#: tests/test_a.py: async def test_a(): pass
from sqlalchemy.exc import IntegrityError


async def ensure(session, user):
    session.add(user)
    try:
        await session.flush()
    except IntegrityError:  # error: LAB036
        pass


# defused: rolled back
async def ensure_rolled_back(session, user):
    session.add(user)
    try:
        await session.flush()
    except IntegrityError:
        await session.rollback()


# defused: a SAVEPOINT around the insert
async def ensure_nested(session, user):
    try:
        async with session.begin_nested():
            session.add(user)
            await session.flush()
    except IntegrityError:
        pass
