#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: pytest.ini: asyncio_default_fixture_loop_scope = function
#: tests/test_a.py: async def test_a(app): pass
#: myapp.py: from sqlalchemy.ext.asyncio import create_async_engine
#: myapp.py: class Database:
#: myapp.py:     @property
#: myapp.py:     def engine(self):
#: myapp.py:         return create_async_engine("postgresql+asyncpg://localhost/app")
#: myapp.py: def create_app():
#: myapp.py:     return object()
import pytest

from myapp import create_app


@pytest.fixture(scope="session")
def app():
    return create_app()  # possible: LAB009
