#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: pytest.ini: asyncio_default_fixture_loop_scope = session
#: pytest.ini: asyncio_default_test_loop_scope = session
#: tests/test_a.py: def test_a(app, right): pass
#: legacy.py: async def get_db():
#: legacy.py:     yield 1
#: myapp/__init__.py: from myapp.db import get_db
#: myapp/db.py: async def get_db():
#: myapp/db.py:     yield 2
#: myapp/routes.py: from fastapi import Depends
#: myapp/routes.py: from myapp.db import get_db
#: myapp/routes.py: async def route(db=Depends(get_db)):
#: myapp/routes.py:     return db
import pytest
from fastapi import FastAPI

import myapp.routes  # noqa: F401 (the routes, as the app imports them)
from legacy import get_db
from myapp import get_db as the_routes_get_db


@pytest.fixture
def app():
    app = FastAPI()
    app.dependency_overrides[get_db] = lambda: None  # error: LAB037
    yield app
    app.dependency_overrides.clear()


# defused: the function the routes depend on, through a re-export
@pytest.fixture
def right():
    app = FastAPI()
    app.dependency_overrides[the_routes_get_db] = lambda: None
    yield app
    app.dependency_overrides.clear()
