#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: pytest.ini: asyncio_default_fixture_loop_scope = function
#: tests/test_a.py: def test_a(as_admin, cleaned, per_test_app): pass
import pytest
from fastapi import FastAPI

from myapp import app as imported_app, verify_auth


@pytest.fixture(scope="session")
def app():
    return FastAPI()


@pytest.fixture
def as_admin(app):
    app.dependency_overrides[verify_auth] = lambda: None  # error: LAB012


@pytest.fixture
def leaks_on_import():
    imported_app.dependency_overrides[verify_auth] = lambda: None  # error: LAB012


# defused: removed at teardown
@pytest.fixture
def cleaned(app):
    app.dependency_overrides[verify_auth] = lambda: None
    yield
    app.dependency_overrides.pop(verify_auth, None)


# defused: the app dies with the test
@pytest.fixture
def per_test_app():
    app = FastAPI()
    app.dependency_overrides[verify_auth] = lambda: None
    return app
