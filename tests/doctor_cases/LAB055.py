#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = strict
#: pytest.ini: asyncio_default_fixture_loop_scope = function
#: tests/test_a.py: import pytest
#: tests/test_a.py: @pytest.mark.asyncio
#: tests/test_a.py: async def test_a(upstream_url, matched, plain, per_test, token): pass
import pytest
import pytest_asyncio


@pytest_asyncio.fixture(scope="session")
def upstream_url():  # error: LAB055
    yield "http://127.0.0.1:1"


@pytest_asyncio.fixture(scope="module", name="settings")
def make_settings():  # error: LAB055
    return {}


# defused: its loop scope is its caching scope, so the runner it asks for lives as long
@pytest_asyncio.fixture(scope="session", loop_scope="session")
def matched():
    return 1


# defused: a sync fixture left to pytest asks for no runner
@pytest.fixture(scope="session")
def plain():
    return 2


# defused: function-scoped, the function-scoped runner is its own scope
@pytest_asyncio.fixture
def per_test():
    return 3


# defused: async, so it needs a loop runner anyway; its loop scope matches its scope
@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def token():
    return "t"
