#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = strict
#: tests/test_a.py: def test_a(upstream_url): pass
# defused: with `asyncio_default_fixture_loop_scope` unset a fixture's loop scope is its caching scope
import pytest_asyncio


@pytest_asyncio.fixture(scope="session")
def upstream_url():
    yield "http://127.0.0.1:1"
