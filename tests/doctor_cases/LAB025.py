#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: pytest.ini: asyncio_default_fixture_loop_scope = session
#: pytest.ini: asyncio_default_test_loop_scope = session
#: tests/test_a.py: def test_a(app, settings, fine): pass
import pytest


@pytest.fixture
def db_session():
    return 1


@pytest.fixture(scope="session")
def app(db_session):  # error: LAB025
    return db_session


@pytest.fixture(scope="module")
def settings(monkeypatch):  # error: LAB025
    return monkeypatch


# defused: narrower asks broader
@pytest.fixture
def fine(app):
    return app
