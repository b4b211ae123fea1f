#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: pytest.ini: asyncio_default_fixture_loop_scope = session
#: pytest.ini: asyncio_default_test_loop_scope = session
#: tests/test_a.py: async def test_a(app, helper): pass
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from myapp import get_db


@pytest.fixture
async def db_session(engine):
    async with AsyncSession(engine, expire_on_commit=False) as session:  # possible: LAB006
        yield session


@pytest.fixture
async def app(db_session):
    app = FastAPI()
    app.dependency_overrides[get_db] = lambda: db_session
    yield app
    app.dependency_overrides.clear()


# defused: the tests' own helper session, which the app never commits through
@pytest.fixture
async def helper(engine):
    async with AsyncSession(engine, expire_on_commit=False) as session:
        yield session
